{#-
    Reading raw values safely: the engine differences the staging layer needs, each
    behind adapter.dispatch('<name>', 'kpi_tree').
-#}

{% macro naive_to_utc_timestamp(column, time_zone) -%}
    {{ return(adapter.dispatch('naive_to_utc_timestamp', 'kpi_tree')(column, time_zone)) }}
{%- endmacro %}

{#- A timestamp without time zone, read as a wall clock in time_zone, as the UTC wall
    clock (DuckDB and PostgreSQL: `at time zone` twice). -#}
{% macro default__naive_to_utc_timestamp(column, time_zone) -%}
    (({{ column }} at time zone {{ kpi_tree.quote_string(time_zone) }}) at time zone 'UTC')
{%- endmacro %}

{% macro spark__naive_to_utc_timestamp(column, time_zone) -%}
    to_utc_timestamp(cast({{ column }} as timestamp), {{ kpi_tree.quote_string(time_zone) }})
{%- endmacro %}


{% macro try_parse_double(column) -%}
    {{ return(adapter.dispatch('try_parse_double', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- Text as a double when it is a plain decimal number (an exponent of at most two
    digits, so nothing overflows) or NaN / Infinity; otherwise null, never an error. -#}
{% macro default__try_parse_double(column) -%}
    case
        when
            trim({{ column }})
            ~* '^[-+]?([0-9]{1,200}(\.[0-9]*)?|\.[0-9]+)(e[-+]?[0-9]{1,2})?$|^[-+]?(nan|infinity)$'
            then cast(trim({{ column }}) as double precision)
    end
{%- endmacro %}

{% macro duckdb__try_parse_double(column) -%}
    try_cast(trim({{ column }}) as double)
{%- endmacro %}

{% macro spark__try_parse_double(column) -%}
    try_cast(trim({{ column }}) as double)
{%- endmacro %}


{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- True for a number that is not NaN nor an infinity (null stays null). PostgreSQL
    compares the special values as values. -#}
{% macro default__is_finite(expression) -%}
    {{ expression }} not in (
        cast('NaN' as double precision),
        cast('Infinity' as double precision),
        cast('-Infinity' as double precision)
    )
{%- endmacro %}

{% macro duckdb__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite(expression) -%}
    (not isnan({{ expression }}) and abs({{ expression }}) != double('infinity'))
{%- endmacro %}


{% macro binary_collation(expression) -%}
    {{ return(adapter.dispatch('binary_collation', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- Text compared byte by byte, whatever the database's collation: a tie between two
    versions must fall the same way on every engine. DuckDB and Spark compare bytes by
    default. -#}
{% macro default__binary_collation(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collation(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}


{% macro fingerprint(columns) -%}
    {{ return(adapter.dispatch('fingerprint', 'kpi_tree')(columns)) }}
{%- endmacro %}

{#- An aggregate: text that changes when any row of the columns changes (an
    order-independent sum of row hashes, and the row count). Compared only with
    itself on the same engine. -#}
{% macro default__fingerprint(columns) -%}
    cast(sum(cast(hashtext(concat_ws('|', {{ columns | join(', ') }})) as bigint)) as text)
    || ':' || cast(count(*) as text)
{%- endmacro %}

{% macro duckdb__fingerprint(columns) -%}
    cast(sum(hash({{ columns | join(', ') }})) as varchar) || ':' || cast(count(*) as varchar)
{%- endmacro %}

{% macro spark__fingerprint(columns) -%}
    cast(sum(cast(xxhash64({{ columns | join(', ') }}) as decimal(38, 0))) as string)
    || ':' || cast(count(*) as string)
{%- endmacro %}


{% macro whitespace_class() -%}
    {{ return(adapter.dispatch('whitespace_class', 'kpi_tree')()) }}
{%- endmacro %}

{#- A regular-expression class of every character an id or a code is trimmed of, the same
    set on every engine: Unicode white space (tab, line feed, vertical tab, form feed,
    carriage return, space, next line, no-break space, Ogham space, the typographic spaces,
    line and paragraph separators, narrow and medium spaces, ideographic space) and the
    invisible format characters (soft hyphen, Mongolian vowel separator, zero-width space,
    non-joiner and joiner, direction marks, word joiner, byte-order mark). DuckDB's
    regular expressions (RE2) write a code point \x{...}; PostgreSQL's and Spark's \u.... -#}
{% macro default__whitespace_class() -%}
    {{ return('[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u00ad\\u1680\\u180e\\u2000-\\u200f\\u2028\\u2029'
        ~ '\\u202f\\u205f\\u2060\\u3000\\ufeff]') }}
{%- endmacro %}

{#- Spark reads a backslash in a string literal as an escape: the regular expression's
    backslashes are doubled. -#}
{% macro spark__whitespace_class() -%}
    {{ return(kpi_tree.default__whitespace_class() | replace('\\v', '\\x0b') | replace('\\', '\\\\')) }}
{%- endmacro %}

{% macro duckdb__whitespace_class() -%}
    {{ return('[\\t\\n\\x0b\\f\\r \\x{85}\\x{a0}\\x{ad}\\x{1680}\\x{180e}\\x{2000}-\\x{200f}'
        ~ '\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{2060}\\x{3000}\\x{feff}]') }}
{%- endmacro %}


{% macro trim_whitespace(expression) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- Text without the characters of whitespace_class() at either end. -#}
{% macro default__trim_whitespace(expression) -%}
    {%- set class = kpi_tree.whitespace_class() -%}
    regexp_replace({{ expression }}, '^{{ class }}+|{{ class }}+$', '', 'g')
{%- endmacro %}

{% macro spark__trim_whitespace(expression) -%}
    {%- set class = kpi_tree.whitespace_class() -%}
    regexp_replace({{ expression }}, '^{{ class }}+|{{ class }}+$', '')
{%- endmacro %}


{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'kpi_tree')(columns)) }}
{%- endmacro %}

{#- A 64-bit hash of a row's values (nulls and their positions included), compared only
    with itself on the same engine: which raw rows of a bucket changed. -#}
{% macro default__row_hash(columns) -%}
    {%- if columns -%}
        hashtextextended(cast(row({{ columns | join(', ') }}) as text), 0)
    {%- else -%}
        cast(0 as bigint)
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__row_hash(columns) -%}
    {%- if columns -%}
        cast(hash({{ columns | join(', ') }}) as hugeint)
    {%- else -%}
        cast(0 as hugeint)
    {%- endif -%}
{%- endmacro %}

{% macro spark__row_hash(columns) -%}
    {%- if columns -%}
        xxhash64({{ columns | join(', ') }})
    {%- else -%}
        cast(0 as bigint)
    {%- endif -%}
{%- endmacro %}


{% macro try_parse_timestamp(column, time_zone) -%}
    {{ return(adapter.dispatch('try_parse_timestamp', 'kpi_tree')(column, time_zone)) }}
{%- endmacro %}

{#- Text as the UTC wall clock: an ISO timestamp with an offset (or Z) converts exactly, one
    without is read in time_zone; anything else is null, never an error. -#}
{% macro default__try_parse_timestamp(column, time_zone) -%}
    {%- set text = kpi_tree.trim_whitespace(column) -%}
    case
        when {{ text }} ~ '^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$'
            then {{ kpi_tree.naive_to_utc_timestamp('cast(' ~ text ~ ' as timestamp)', time_zone) }}
        when {{ text }} ~ '^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$'
            then {{ kpi_tree.to_utc_timestamp('cast(' ~ text ~ ' as timestamp with time zone)') }}
    end
{%- endmacro %}

{% macro duckdb__try_parse_timestamp(column, time_zone) -%}
    {%- set text = kpi_tree.trim_whitespace('cast(' ~ column ~ ' as varchar)') -%}
    case
        when regexp_matches({{ text }}, '(Z|[+-]\d{2}(:?\d{2})?)$')
            then {{ kpi_tree.to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp with time zone)') }}
        else {{ kpi_tree.naive_to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp)', time_zone) }}
    end
{%- endmacro %}

{% macro spark__try_parse_timestamp(column, time_zone) -%}
    {%- set text = kpi_tree.trim_whitespace(column) -%}
    case
        when {{ text }} rlike '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then {{ kpi_tree.to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp)') }}
        else {{ kpi_tree.naive_to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp)', time_zone) }}
    end
{%- endmacro %}


{% macro try_parse_date(column) -%}
    {{ return(adapter.dispatch('try_parse_date', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- Text as a date (an ISO date, or the date part of an ISO timestamp); else null. -#}
{% macro default__try_parse_date(column) -%}
    {%- set text = kpi_tree.trim_whitespace(column) -%}
    case
        when {{ text }} ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([ T].*)?$'
            then cast(substr({{ text }}, 1, 10) as date)
    end
{%- endmacro %}

{% macro duckdb__try_parse_date(column) -%}
    try_cast(substr({{ kpi_tree.trim_whitespace('cast(' ~ column ~ ' as varchar)') }}, 1, 10) as date)
{%- endmacro %}

{% macro spark__try_parse_date(column) -%}
    try_cast(substr({{ kpi_tree.trim_whitespace(column) }}, 1, 10) as date)
{%- endmacro %}


{% macro try_parse_integer(column, family) -%}
    {{ return(adapter.dispatch('try_parse_integer', 'kpi_tree')(column, family)) }}
{%- endmacro %}

{#- A number or text as an integer when it is a whole number that fits; else null. -#}
{% macro default__try_parse_integer(column, family) -%}
    {%- set number = kpi_tree.try_parse_double(column) if family == 'text'
        else 'cast(' ~ column ~ ' as ' ~ kpi_tree.type_double() ~ ')' -%}
    case
        when {{ kpi_tree.is_finite(number) }} and {{ number }} = floor({{ number }})
            and abs({{ number }}) < 2147483648
            then cast({{ number }} as {{ dbt.type_int() }})
    end
{%- endmacro %}


{% macro try_parse_boolean(column) -%}
    {{ return(adapter.dispatch('try_parse_boolean', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- Text as a boolean: true, t, yes, y, 1 and false, f, no, n, 0 (any case); else null. -#}
{% macro default__try_parse_boolean(column) -%}
    {%- set text = 'lower(' ~ kpi_tree.trim_whitespace(
        'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') ~ ')' -%}
    case
        when {{ text }} in ('true', 't', 'yes', 'y', '1') then true
        when {{ text }} in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}


{% macro row_hash_type() -%}
    {{ return(adapter.dispatch('row_hash_type', 'kpi_tree')()) }}
{%- endmacro %}

{#- The type row_hash() gives. -#}
{% macro default__row_hash_type() -%}
    bigint
{%- endmacro %}

{% macro duckdb__row_hash_type() -%}
    hugeint
{%- endmacro %}

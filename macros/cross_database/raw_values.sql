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

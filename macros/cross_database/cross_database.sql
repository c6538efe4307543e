{#-
    Engine differences live here, each behind adapter.dispatch so that a project
    on another warehouse can override one macro without forking the project.
-#}

{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- DuckDB and PostgreSQL: `timestamptz at time zone 'UTC'` gives the UTC wall clock. -#}
{% macro default__to_utc_timestamp(column) -%}
    ({{ column }} at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__to_utc_timestamp(column) -%}
    convert_timezone('UTC', {{ column }})::timestamp_ntz
{%- endmacro %}

{% macro bigquery__to_utc_timestamp(column) -%}
    datetime({{ column }}, 'UTC')
{%- endmacro %}

{% macro spark__to_utc_timestamp(column) -%}
    to_utc_timestamp({{ column }}, current_timezone())
{%- endmacro %}


{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'kpi_tree')(columns)) }}
{%- endmacro %}

{#- A stable hash of the columns, NULL-safe, as dbt_utils.generate_surrogate_key. -#}
{% macro default__surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}


{% macro quote_string(value) -%}
    {{ return(adapter.dispatch('quote_string', 'kpi_tree')(value)) }}
{%- endmacro %}

{#- A SQL string literal for any text, quotes escaped: user text is data, never SQL. -#}
{% macro default__quote_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro bigquery__quote_string(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- Spark reads a backslash as an escape, and two adjacent literals ('it''s') as one
    concatenated string ('its'): escape with backslashes, as on BigQuery. -#}
{% macro spark__quote_string(value) -%}
    {{ return(kpi_tree.bigquery__quote_string(value)) }}
{%- endmacro %}


{% macro sql_string_list(values) -%}
    {#- The body of an IN (...) list, one quoted literal per value. -#}
    {%- for value in values -%}
        {{ kpi_tree.quote_string(value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'kpi_tree')()) }}
{%- endmacro %}

{#- An 8-byte float. dbt.type_float() is `float`, a 4-byte REAL on DuckDB. -#}
{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{% macro product_aggregate(expression) -%}
    {{ return(adapter.dispatch('product_aggregate', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- The product of a column's non-null values: a single value as is, exact; a zero
    among them gives 0; otherwise through logarithms of the absolute values, with
    the sign of the count of negative values. -#}
{% macro default__product_aggregate(expression) -%}
    case
        when count({{ expression }}) = 1 then max({{ expression }})
        when min(abs({{ expression }})) = 0 then 0
        else
            exp(sum(ln(abs(nullif({{ expression }}, 0)))))
            * (1 - 2 * (sum(case when {{ expression }} < 0 then 1 else 0 end) % 2))
    end
{%- endmacro %}

{% macro duckdb__product_aggregate(expression) -%}
    product({{ expression }})
{%- endmacro %}


{% macro null_safe_equal(left, right) -%}
    {{ return(adapter.dispatch('null_safe_equal', 'kpi_tree')(left, right)) }}
{%- endmacro %}

{#- Equality that holds between two NULLs: joins on dimension values, where NULL
    is a value like any other. -#}
{% macro default__null_safe_equal(left, right) -%}
    {{ left }} is not distinct from {{ right }}
{%- endmacro %}

{% macro spark__null_safe_equal(left, right) -%}
    {{ left }} <=> {{ right }}
{%- endmacro %}


{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'kpi_tree')(expression, digits)) }}
{%- endmacro %}

{#- A number rounded to `digits` decimals, so comparisons at a band's edge do not
    depend on floating-point noise (0.019 against 0.02 is exactly 5% behind).
    PostgreSQL rounds numerics only. -#}
{% macro default__round_to(expression, digits) -%}
    round(cast({{ expression }} as numeric), {{ digits }})
{%- endmacro %}

{% macro duckdb__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{#- Spark's `numeric` is decimal(10, 0): the default would round to whole numbers. -#}
{% macro spark__round_to(expression, digits) -%}
    round(cast({{ expression }} as double), {{ digits }})
{%- endmacro %}



{% macro sorted_text_list(expression, delimiter=', ') -%}
    {{ return(adapter.dispatch('sorted_text_list', 'kpi_tree')(expression, delimiter)) }}
{%- endmacro %}

{#- An aggregate: the group's texts in order, joined by the delimiter, the same on
    every engine (names listed in a label, compared across engines). -#}
{% macro default__sorted_text_list(expression, delimiter) -%}
    {{ dbt.listagg(expression, kpi_tree.quote_string(delimiter), 'order by ' ~ expression) }}
{%- endmacro %}

{#- Spark's listagg cannot order: sort the collected list. -#}
{% macro spark__sorted_text_list(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ kpi_tree.quote_string(delimiter) }})
{%- endmacro %}

{#-
    A pre-hook for every model: the settings a model's query runs with.
    PostgreSQL plans a join on several key columns (tree, node, motion, grain,
    period, breakdown) from tables it has no statistics for yet as if it matched
    one row, and picks a nested loop that compares every row with every row:
    minutes where a hash join takes a second. The same misestimate makes it
    merge on fewer keys than the join has (tree_node_periods sorted on tree,
    node, motion, grain and period, then compared every breakdown value with
    every other: six minutes on the revenue trees, two seconds hashed). No
    model of the project reads an index, so PostgreSQL is told to prefer hash
    joins for the model's transaction only (set local). And no JIT: on the
    long generated queries of the metric views, compiling them took 28 of 36
    seconds. Other engines need nothing.
-#}
{% macro model_session_settings() -%}
    {{ return(adapter.dispatch('model_session_settings', 'kpi_tree')()) }}
{%- endmacro %}

{% macro default__model_session_settings() -%}
{%- endmacro %}

{% macro postgres__model_session_settings() -%}
    set local enable_nestloop = off;
    set local enable_mergejoin = off;
    set local jit = off
{%- endmacro %}


{% macro percentile_aggregate(expression, percentile, discrete=false, approximate=false) -%}
    {{ return(adapter.dispatch('percentile_aggregate', 'kpi_tree')(expression, percentile, discrete, approximate)) }}
{%- endmacro %}

{#- The percentile of a column's values (MetricFlow's percentile and median
    measures): continuous interpolates between values, discrete picks one.
    Without an approximate function, an approximate percentile is the exact one. -#}
{% macro default__percentile_aggregate(expression, percentile, discrete, approximate) -%}
    percentile_{{ 'disc' if discrete else 'cont' }}({{ percentile }}) within group (order by {{ expression }})
{%- endmacro %}

{#- DuckDB: approx_quantile (a t-digest) for an approximate continuous
    percentile, as MetricFlow writes it; approximate discrete is exact. -#}
{% macro duckdb__percentile_aggregate(expression, percentile, discrete, approximate) -%}
    {%- if approximate and not discrete -%}
        approx_quantile({{ expression }}, {{ percentile }})
    {%- else -%}
        {{ kpi_tree.default__percentile_aggregate(expression, percentile, discrete, approximate) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__percentile_aggregate(expression, percentile, discrete, approximate) -%}
    {%- if approximate -%}
        percentile_approx({{ expression }}, {{ percentile }})
    {%- else -%}
        {{ kpi_tree.default__percentile_aggregate(expression, percentile, discrete, approximate) }}
    {%- endif -%}
{%- endmacro %}


{% macro comment_on_view(relation, text) -%}
    {{ return(adapter.dispatch('comment_on_view', 'kpi_tree')(relation, text)) }}
{%- endmacro %}

{#- The statement that sets a view's comment. -#}
{% macro default__comment_on_view(relation, text) -%}
    comment on view {{ relation }} is {{ kpi_tree.quote_string(text) }}
{%- endmacro %}

{#- Spark has no COMMENT ON VIEW; the comment is the view's `comment` property. -#}
{% macro spark__comment_on_view(relation, text) -%}
    alter view {{ relation }} set tblproperties ('comment' = {{ kpi_tree.quote_string(text) }})
{%- endmacro %}


{% macro correlation(x, y) -%}
    {{ return(adapter.dispatch('correlation', 'kpi_tree')(x, y)) }}
{%- endmacro %}

{#- Pearson's correlation of two columns (an aggregate), null when either does
    not vary: the SQL standard's corr (PostgreSQL) already is. -#}
{% macro default__correlation(x, y) -%}
    corr({{ x }}, {{ y }})
{%- endmacro %}

{#- DuckDB's corr is NaN when a column does not vary: null instead. -#}
{% macro duckdb__correlation(x, y) -%}
    case
        when var_samp({{ x }}) > 0 and var_samp({{ y }}) > 0
            then corr({{ x }}, {{ y }})
    end
{%- endmacro %}

{% macro spark__correlation(x, y) -%}
    {{ return(kpi_tree.duckdb__correlation(x, y)) }}
{%- endmacro %}


{% macro analyze_table(relation) -%}
    {{ return(adapter.dispatch('analyze_table', 'kpi_tree')(relation)) }}
{%- endmacro %}

{#- Nothing: DuckDB plans from the data itself, other engines keep their own habits. -#}
{% macro default__analyze_table(relation) -%}
{%- endmacro %}

{#- PostgreSQL: a new table has no statistics until autovacuum's next pass, so the
    model built right after it would be planned blind. -#}
{% macro postgres__analyze_table(relation) -%}
    analyze {{ relation }}
{%- endmacro %}


{% macro exp_or_zero(expression) -%}
    {{ return(adapter.dispatch('exp_or_zero', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- exp(expression): a result too small for a double is 0 or a subnormal number. -#}
{% macro default__exp_or_zero(expression) -%}
    exp({{ expression }})
{%- endmacro %}

{#- PostgreSQL raises "value out of range: underflow" where exp's result (or a product
    of it) is too small for a double: 0 below exp(-708), the smallest normal double's
    neighbourhood (the normal's tail of a forecast many spreads from its target). -#}
{% macro postgres__exp_or_zero(expression) -%}
    (case when {{ expression }} < -708 then 0 else exp({{ expression }}) end)
{%- endmacro %}

{#-
    The staging pattern every raw table follows (models/staging/): base_* types and
    classifies every raw row, stg_* keeps the latest valid version of each key,
    stg_*_rejected keeps every invalid row with its reason. These macros write the
    repeated parts, so each model lists only what is particular to its table.
-#}

{% macro first_rule_broken(rules) -%}
    {#- rules: [reason, condition] pairs in order; the SQL gives the first reason whose
        condition holds, null when none does. -#}
    case
        {%- for reason, condition in rules %}
            when {{ condition }} then {{ kpi_tree.quote_string(reason) }}
        {%- endfor %}
    end
{%- endmacro %}


{% macro not_in_vocabulary(column, values) -%}
    {#- True when the column holds a value outside the list (null counts as outside). -#}
    coalesce({{ column }}, '') not in ({{ kpi_tree.sql_string_list(values) }})
{%- endmacro %}


{% macro reread_from(column='ingested_at') -%}
    {#- On an incremental run, where reading the raw rows starts again: the latest
        load time already staged, less var staging_lookback_hours for rows that land
        late. -#}
    (
        select
            {{ dbt.dateadd(
                'hour', -1 * var('staging_lookback_hours'), 'max(' ~ column ~ ')'
            ) | trim }} as reread_from
        from {{ this }}
    )
{%- endmacro %}


{% macro latest_version_first(key_columns, tie_breakers=[]) -%}
    {#- A window numbering the versions of each key, 1 for the one staging keeps: the
        latest ingested, then by the tie breakers (order-by terms). -#}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ (['ingested_at desc'] + tie_breakers) | join(', ') }}
    )
{%- endmacro %}

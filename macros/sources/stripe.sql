{#-
    The Stripe connector (models/sources/stripe/, docs/connectors.md, "Billing: Stripe").
    Stripe keeps what a team links it to in free-form metadata (a JSON text column): which
    keys to read is the vars stripe__*_keys; one helper reads them.
-#}

{% macro metadata_value(column, keys) -%}
    {#- The first of keys (a list) found in the JSON object column (text), as text: a
        string's or a number's value, null when absent, empty or the JSON is malformed
        (never an error). Keys are plain names (typed_var checks them). -#}
    {%- if keys | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        coalesce(
        {%- for key in keys %}
            {{ kpi_tree.json_object_text(column, key) }}{{ ',' if not loop.last }}
        {%- endfor %},
            cast(null as {{ dbt.type_string() }})
        )
    {%- endif -%}
{%- endmacro %}


{% macro json_object_text(column, key) -%}
    {{ return(adapter.dispatch('json_object_text', 'kpi_tree')(column, key)) }}
{%- endmacro %}

{#- A top-level key's scalar value in a JSON object held as text, by pattern (a malformed
    document reads as null instead of stopping the build; escapes are not decoded). -#}
{% macro default__json_object_text(column, key) -%}
    nullif(trim(substring({{ column }} from '"{{ key }}"\s*:\s*"?([^",}]*)')), '')
{%- endmacro %}

{% macro duckdb__json_object_text(column, key) -%}
    nullif(trim(regexp_extract({{ column }}, '"{{ key }}"\s*:\s*"?([^",}]*)', 1)), '')
{%- endmacro %}


{% macro stripe_history_end(column) -%}
    {#- A history-mode version's end: null while it is the current version (Fivetran
        writes 9999-12-31 there). -#}
    case when {{ column }} < cast('9000-01-01' as {{ dbt.type_timestamp() }}) then {{ column }} end
{%- endmacro %}

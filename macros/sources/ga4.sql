{#-
    GA4's event export (models/sources/ga4/, docs/connectors.md, "Web analytics: GA4"): the
    shape var ga4_shape names, an event parameter read from either shape, and the funnel
    event types web analytics holds.
-#}

{% macro web_analytics_connector() -%}
    {#- The web analytics connector var web_analytics_connector chooses: `contract` (the
        contract's own sessions and demo requests) or `ga4`. -#}
    {{ return(kpi_tree.typed_var('web_analytics_connector')) }}
{%- endmacro %}


{% macro web_event_types() -%}
    {#- The funnel event types the web analytics connector writes when it is on. -#}
    {{ return(['high_intent_session', 'demo_request']
        if kpi_tree.web_analytics_connector() == 'ga4' else []) }}
{%- endmacro %}


{% macro ga4_param(key, value_type='text', column=none) -%}
    {#- One event parameter of the landed row `landed` as value_type (text or integer):
        in the flattened shape its declared column (column, default param_<key>), else
        the entry of event_params with that key (its string_value, int_value,
        double_value or float_value, whichever is set: GA4 puts a parameter in the field
        of the type it was sent as). -#}
    {%- if kpi_tree.typed_var('ga4_shape') == 'flattened' -%}
        landed.{{ column or 'param_' ~ key }}
    {%- else -%}
        {{ adapter.dispatch('ga4_param', 'kpi_tree')(key, value_type) }}
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL: event_params is JSON (jsonb or text): the first entry with the key. -#}
{% macro default__ga4_param(key, value_type) -%}
    {%- set entry = "(select coalesce(entry -> 'value' ->> 'string_value', entry -> 'value' "
        ~ "->> 'int_value', entry -> 'value' ->> 'double_value', entry -> 'value' ->> "
        ~ "'float_value') from jsonb_array_elements(cast(landed.event_params as jsonb)) "
        ~ "as entry where entry ->> 'key' = " ~ kpi_tree.quote_string(key) ~ " limit 1)" -%}
    {%- if value_type == 'integer' -%}
        cast({{ kpi_tree.try_parse_double(entry) }} as {{ dbt.type_bigint() }})
    {%- else -%}
        {{ entry }}
    {%- endif -%}
{%- endmacro %}

{#- DuckDB: event_params is a list of {key, value} structs: a map by key. -#}
{% macro duckdb__ga4_param(key, value_type) -%}
    {%- set value = 'map_from_entries(landed.event_params)[' ~ kpi_tree.quote_string(key) ~ ']' -%}
    {%- if value_type == 'integer' -%}
        coalesce({{ value }}.int_value, try_cast({{ value }}.string_value as bigint),
            cast({{ value }}.double_value as bigint))
    {%- else -%}
        coalesce({{ value }}.string_value, cast({{ value }}.int_value as varchar),
            cast({{ value }}.double_value as varchar))
    {%- endif -%}
{%- endmacro %}


{% macro ga4_traffic_source(field) -%}
    {#- A field of the event's collected_traffic_source (manual_source, manual_medium,
        manual_campaign_name): the column collected_traffic_source_<field> in the
        flattened shape, else the struct's (DuckDB) or the JSON object's (PostgreSQL). -#}
    {%- if kpi_tree.typed_var('ga4_shape') == 'flattened' -%}
        landed.collected_traffic_source_{{ field }}
    {%- else -%}
        {{ adapter.dispatch('ga4_traffic_source', 'kpi_tree')(field) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__ga4_traffic_source(field) -%}
    (cast(landed.collected_traffic_source as jsonb) ->> {{ kpi_tree.quote_string(field) }})
{%- endmacro %}

{% macro duckdb__ga4_traffic_source(field) -%}
    landed.collected_traffic_source.{{ field }}
{%- endmacro %}


{% macro epoch_micros_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_micros_to_timestamp', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- Microseconds since the epoch as a UTC wall clock (timestamp without time zone),
    exactly (a double of seconds would lose the last microseconds). -#}
{% macro default__epoch_micros_to_timestamp(expression) -%}
    (timestamp '1970-01-01 00:00:00' + ({{ expression }}) * interval '1 microsecond')
{%- endmacro %}

{% macro duckdb__epoch_micros_to_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint))
{%- endmacro %}


{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'kpi_tree')(expression)) }}
{%- endmacro %}

{#- The SHA-256 of a text as 64 lower-case hex digits (GA4's user-provided data). -#}
{% macro default__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}


{% macro reconciliation_stage(stage, system_of_record, compared_system, record, compared) %}
{#- One stage of a reconciliation: the days of two daily counts (CTEs `record` and
    `compared`, each reconciliation_date and daily_value), side by side, a day missing
    from one a 0 there. #}
    select
        coalesce({{ record }}.reconciliation_date, {{ compared }}.reconciliation_date)
            as reconciliation_date,
        {{ kpi_tree.quote_string(stage) }} as stage,
        {{ kpi_tree.quote_string(system_of_record) }} as system_of_record,
        {{ kpi_tree.quote_string(compared_system) }} as compared_system,
        cast(coalesce({{ record }}.daily_value, 0) as {{ kpi_tree.type_double() }})
            as record_value,
        cast(coalesce({{ compared }}.daily_value, 0) as {{ kpi_tree.type_double() }})
            as compared_value

    from {{ record }}
    full outer join {{ compared }}
        on {{ record }}.reconciliation_date = {{ compared }}.reconciliation_date
{% endmacro %}


{% macro ga4_people_by_email() %}
{#- The CRM's people by the SHA-256 of their email (hashed_email, person_id, people: how
    many people have it) when var crm_connector chooses a CRM; no rows without one. #}
{%- set crm = kpi_tree.crm_connector() %}
{%- if crm != 'contract' %}
    select
        {{ kpi_tree.sha256_hex('email') }} as hashed_email,
        min(person_id) as person_id,
        count(distinct person_id) as people

    from {{ ref(crm ~ '__crm_people') }}
    where email is not null
    group by 1
{%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as hashed_email,
        cast(null as {{ dbt.type_string() }}) as person_id,
        0 as people

    where 1 = 0
{%- endif %}
{% endmacro %}


{% macro contract_funnel_events() %}
{#- The contract's own funnel_events rows of the types no connector that is on writes
    (a CRM's types when var crm_connector chooses one, web analytics' when var
    web_analytics_connector does; rows of an unknown or missing type too, for staging to
    quarantine). The connectors' rows are added by the model staging reads. -#}
{%- set excluded = kpi_tree.web_event_types() %}
{%- if kpi_tree.crm_connector() != 'contract' %}
    {%- set excluded = excluded + kpi_tree.crm_event_types() %}
{%- endif %}
{%- set columns = kpi_tree.crm_contract_columns('funnel_events') | map('first') | list %}
with

funnel_events as (

    select * from {{ source('marketing', 'funnel_events') }}

),

final as (

    select
        {{ columns | join(',\n        ') }},
        ingested_at

    from funnel_events
    where
        coalesce(lower(trim(event_type)), '')
        not in ({{ kpi_tree.sql_string_list(excluded) }})

)

select * from final
{% endmacro %}


{% test ga4_values_are_mapped(model) %}
{#- Warns with the GA4 values no seed maps: "ga4: 1 medium value is not mapped: podcast
    (168 rows)" (seeds/ga4_*.csv). -#}
{%- do kpi_tree.log_unmapped_values(model, 'ga4', 'seeds/ga4_*.csv') %}
select * from {{ model }}
{% endtest %}

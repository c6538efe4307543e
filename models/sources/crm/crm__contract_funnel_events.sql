{#- The contract's own funnel_events rows that no CRM writes (web analytics' sessions;
    rows of an unknown or missing type too, for staging to quarantine): a CRM connector's
    funnel_events add them to its own. -#}
{%- set crm_types = kpi_tree.crm_event_types() %}

with

funnel_events as (

    select * from {{ source('marketing', 'funnel_events') }}

),

final as (

    select
        {{ kpi_tree.crm_contract_columns('funnel_events') | map('first') | join(',\n        ') }},
        ingested_at

    from funnel_events
    where
        coalesce(lower(trim(event_type)), '')
        not in ({{ kpi_tree.sql_string_list(crm_types) }})

)

select * from final

{#- GA4's high-intent sessions and demo requests as contract funnel_events rows (the
    valid ones of ga4__funnel_events_classified). GA4's events do not change once
    exported, so each row's ingested_at is its session's last event, not a run's start. -#}
{%- set columns = kpi_tree.crm_contract_columns('funnel_events') | map('first') | list %}

with

classified_events as (

    select * from {{ ref('ga4__funnel_events_classified') }}

),

final as (

    select
        {{ columns | join(',\n        ') }},
        ingested_at

    from classified_events
    where rejection_reason is null

)

select * from final

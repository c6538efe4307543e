{{ config(materialized='table') }}

with

funnel_events as (

    select * from {{ ref('base_marketing__funnel_events') }}

),

final as (

    select
        rejection_reason,
        event_id,
        occurred_at,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount_usd,
        currency,
        source_system,
        ingested_at

    from funnel_events
    where rejection_reason is not null

)

select * from final

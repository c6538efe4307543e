{{ config(materialized='table') }}

with

funnel_events as (

    select * from {{ ref('base_marketing__funnel_events') }}

),

final as (

    select
        event_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount_usd,
        source_system,
        ingested_at

    from funnel_events
    where load_outcome = 'loaded'

)

select * from final

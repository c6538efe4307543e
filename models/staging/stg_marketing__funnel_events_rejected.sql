{#- Quarantine: every raw funnel event row that breaks a rule, with the reason. A view
    of base_marketing__funnel_events, which is maintained incrementally and holds every
    raw row once: the rejected rows come from the same read of raw as the valid ones. -#}

with

funnel_events as (

    select * from {{ ref('base_marketing__funnel_events') }}

),

final as (

    select
        rejection_reason,
        event_id,
        source_system,
        occurred_at,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount_usd,
        raw_amount,
        currency,
        ingested_at,
        staged_at

    from funnel_events
    where rejection_reason is not null

)

select * from final

{#- Quarantine: every raw product events row that breaks a rule, with the reason: a view
    of base_marketing__product_events (incremental, one row per raw row). -#}

with

product_events as (

    select * from {{ ref('base_marketing__product_events') }}

),

final as (

    select
        rejection_reason,
        product_event_id,
        user_id,
        account_id,
        event_type,
        channel,
        occurred_at,
        source_system,
        ingested_at,
        staged_at

    from product_events
    where rejection_reason is not null

)

select * from final

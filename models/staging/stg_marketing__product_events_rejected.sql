{#- Quarantine: every raw row of product events that breaks a rule, with the reason. -#}
{{ config(materialized='table') }}

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
        ingested_at

    from product_events
    where rejection_reason is not null

)

select * from final

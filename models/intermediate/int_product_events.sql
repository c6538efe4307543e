{#-
    Product events of the product-led motion (sign-ups, activations, product-
    qualified accounts), one row per event, with the sign-up's channel and the
    account's segment and region.
-#}

with

product_events as (

    select * from {{ ref('stg_marketing__product_events') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

final as (

    select
        product_events.product_event_id,
        product_events.user_id,
        product_events.account_id,
        'product_led' as motion,
        product_events.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        product_events.event_type,
        product_events.occurred_at

    from product_events
    left join accounts
        on product_events.account_id = accounts.account_id

)

select * from final

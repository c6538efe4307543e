{#- Quarantine: every raw subscriptions row that breaks a rule, with the reason: a view
    of base_marketing__subscriptions (incremental, one row per raw row). -#}

with

subscriptions as (

    select * from {{ ref('base_marketing__subscriptions') }}

),

final as (

    select
        rejection_reason,
        subscription_id,
        account_id,
        opportunity_id,
        started_on,
        term_months,
        arr_usd,
        raw_arr,
        ingested_at,
        staged_at

    from subscriptions
    where rejection_reason is not null

)

select * from final

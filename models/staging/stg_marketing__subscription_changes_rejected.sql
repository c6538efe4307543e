{#- Quarantine: every raw subscription changes row that breaks a rule, with the reason: a view
    of base_marketing__subscription_changes (incremental, one row per raw row). -#}

with

subscription_changes as (

    select * from {{ ref('base_marketing__subscription_changes') }}

),

final as (

    select
        rejection_reason,
        change_id,
        subscription_id,
        account_id,
        change_type,
        effective_on,
        arr_change_usd,
        raw_arr_change,
        ingested_at,
        staged_at

    from subscription_changes
    where rejection_reason is not null

)

select * from final

{#- Quarantine: every raw account health row that breaks a rule, with the reason: a view
    of base_marketing__account_health_flags (incremental, one row per raw row). -#}

with

account_health_flags as (

    select * from {{ ref('base_marketing__account_health_flags') }}

),

final as (

    select
        rejection_reason,
        flag_id,
        account_id,
        flagged_on,
        status,
        flag_reason,
        ingested_at,
        staged_at

    from account_health_flags
    where rejection_reason is not null

)

select * from final

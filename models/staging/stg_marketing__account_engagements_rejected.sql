{#- Quarantine: every raw account engagement row that breaks a rule, with the reason: a view
    of base_marketing__account_engagements (incremental, one row per raw row). -#}

with

account_engagements as (

    select * from {{ ref('base_marketing__account_engagements') }}

),

final as (

    select
        rejection_reason,
        engagement_id,
        account_id,
        contact_id,
        engagement_type,
        occurred_at,
        source_system,
        ingested_at,
        staged_at

    from account_engagements
    where rejection_reason is not null

)

select * from final

{#- Quarantine: every raw partner registrations row that breaks a rule, with the reason: a view
    of base_marketing__partner_registrations (incremental, one row per raw row). -#}

with

partner_registrations as (

    select * from {{ ref('base_marketing__partner_registrations') }}

),

final as (

    select
        rejection_reason,
        registration_id,
        partner_id,
        account_id,
        registered_at,
        status,
        decided_at,
        ingested_at,
        staged_at

    from partner_registrations
    where rejection_reason is not null

)

select * from final

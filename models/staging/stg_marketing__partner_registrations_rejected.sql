{#- Quarantine: every raw row of partner registrations that breaks a rule, with the reason. -#}
{{ config(materialized='table') }}

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
        ingested_at

    from partner_registrations
    where rejection_reason is not null

)

select * from final

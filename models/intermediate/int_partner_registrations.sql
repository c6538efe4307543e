{#-
    Partner deal registrations, one row per registration: the top of the partner
    funnel, with its status and the day it was decided (null while pending).
    Partner-sourced, so motion `partner` and channel `partner`, as the partner
    motion's funnel events; with the account's segment and region.
-#}

with

registrations as (

    select * from {{ ref('stg_marketing__partner_registrations') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

final as (

    select
        registrations.registration_id,
        registrations.partner_id,
        registrations.account_id,
        'partner' as motion,
        'partner' as channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        registrations.status,
        registrations.registered_at,
        registrations.decided_at

    from registrations
    left join accounts
        on registrations.account_id = accounts.account_id

)

select * from final

{#- Quarantine: every raw touches row that breaks a rule, with the reason: a view
    of base_marketing__touches (incremental, one row per raw row). -#}

with

touches as (

    select * from {{ ref('base_marketing__touches') }}

),

final as (

    select
        rejection_reason,
        touch_id,
        contact_id,
        account_id,
        opportunity_id,
        channel,
        campaign,
        touched_at,
        ingested_at,
        staged_at

    from touches
    where rejection_reason is not null

)

select * from final

{#- Quarantine: every raw row of touches that breaks a rule, with the reason. -#}
{{ config(materialized='table') }}

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
        ingested_at

    from touches
    where rejection_reason is not null

)

select * from final

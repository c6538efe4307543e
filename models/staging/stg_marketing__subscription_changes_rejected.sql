{#- Quarantine: every raw row of subscription changes that breaks a rule, with the reason. -#}
{{ config(materialized='table') }}

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
        ingested_at

    from subscription_changes
    where rejection_reason is not null

)

select * from final

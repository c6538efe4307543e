{#- Quarantine: every raw row of subscriptions that breaks a rule, with the reason. -#}
{{ config(materialized='table') }}

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
        ingested_at

    from subscriptions
    where rejection_reason is not null

)

select * from final

{#- Every platform campaign-day that did not become ad spend, with why. -#}
with

classified_spend as (

    select * from {{ ref('ads__ad_spend_classified') }}

),

final as (

    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        spend_date,
        currency_code,
        spend_local,
        rejection_reason,
        unmapped_value

    from classified_spend
    where rejection_reason is not null

)

select * from final

with

ad_spend as (

    select * from {{ ref('base_marketing__ad_spend') }}

),

final as (

    select
        rejection_reason,
        spend_date,
        channel,
        motion,
        campaign,
        spend_usd,
        raw_spend

    from ad_spend
    where rejection_reason is not null

)

select * from final

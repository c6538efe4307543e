with

ad_spend as (

    select * from {{ ref('base_marketing__ad_spend') }}

),

final as (

    select
        {{ kpi_tree.surrogate_key(['spend_date', 'channel', 'motion', 'campaign']) }}
            as ad_spend_id,
        spend_date,
        channel,
        motion,
        campaign,
        spend_usd

    from ad_spend
    where rejection_reason is null

)

select * from final

{#- Daily spend by motion and channel, the spend side of the cost metrics. -#}

with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

aggregated as (

    select
        spend_date,
        motion,
        channel,
        sum(spend_usd) as spend_usd

    from ad_spend
    group by 1, 2, 3

),

final as (

    select
        {{ kpi_tree.surrogate_key(['spend_date', 'motion', 'channel']) }} as ad_spend_day_id,
        spend_date,
        motion,
        channel,
        spend_usd

    from aggregated

)

select * from final

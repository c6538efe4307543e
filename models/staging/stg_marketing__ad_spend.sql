{{ config(materialized='table') }}

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
        cast(spend_usd as {{ dbt.type_numeric() }}) as spend_usd,
        -- a second row for a key is rejected: each kept one is the only version
        1 as version_count

    from ad_spend
    where rejection_reason is null

)

select * from final

{#- The contract's ad_spend as staging reads it (kpi_tree.raw_relation): the platforms'
    mapped spend in USD, summed per day and contract campaign, and the contract table's
    rows of every campaign seeds/ads_campaigns.csv does not give to a platform (a
    campaign's system of record is its platform, never both). -#}
{%- set platforms = kpi_tree.ad_platforms() %}

with

classified_spend as (

    select * from {{ ref('ads__ad_spend_classified') }}

),

campaign_mappings as (

    select * from {{ ref('ads_campaigns') }}

),

contract_spend as (

    select * from {{ ref('ads__contract_ad_spend') }}

),

platform_spend as (

    select
        spend_date,
        channel,
        motion,
        campaign,
        sum(spend) as spend

    from classified_spend
    where rejection_reason is null
    group by 1, 2, 3, 4

),

platform_campaigns as (

    select distinct trim(campaign) as campaign
    from campaign_mappings
    where
        lower(trim(platform)) in ({{ kpi_tree.sql_string_list(platforms) }})
        and campaign is not null

),

other_campaigns_spend as (

    select contract_spend.*
    from contract_spend
    left join platform_campaigns
        on contract_spend.campaign = platform_campaigns.campaign
    where platform_campaigns.campaign is null

),

final as (

    select
        spend_date,
        channel,
        motion,
        campaign,
        spend
    from platform_spend
    union all
    select
        spend_date,
        channel,
        motion,
        campaign,
        spend
    from other_campaigns_spend

)

select * from final

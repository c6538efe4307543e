{#- LinkedIn Ads' spend per campaign and day in its account's currency
    (ad_analytics_by_campaign's cost_in_local_currency), each campaign and account as it
    stands (its latest version). -#}
with

ad_analytics as (

    select * from {{ ref('stg_linkedin_ads__ad_analytics_by_campaigns') }}

),

campaign_histories as (

    select * from {{ ref('stg_linkedin_ads__campaign_histories') }}

),

account_histories as (

    select * from {{ ref('stg_linkedin_ads__account_histories') }}

),

campaigns as (
    {{ kpi_tree.latest_versions(
        'campaign_histories', 'id', ['last_modified_time', '_fivetran_synced']) }}
),

accounts as (
    {{ kpi_tree.latest_versions(
        'account_histories', 'id', ['last_modified_time', '_fivetran_synced']) }}
),

daily_spend as (

    select
        campaign_id,
        day as spend_date,
        sum(cost_in_local_currency) as spend_local,
        count(*) as stats_rows

    from ad_analytics
    group by 1, 2

),

final as (
    {{ kpi_tree.ads_platform_spend(
        platform='linkedin_ads',
        account_id='campaigns.account_id',
        currency_column='currency'
    ) }}
)

select * from final

{#- Meta Ads' spend per campaign and day in its account's currency: basic_ad's spend of each
    ad, summed over the ads of a campaign (an ad's campaign as the ad stands), each campaign
    and account as it stands (its latest version). -#}
with

basic_ads as (

    select * from {{ ref('stg_facebook_ads__basic_ads') }}

),

ad_histories as (

    select * from {{ ref('stg_facebook_ads__ad_histories') }}

),

campaign_histories as (

    select * from {{ ref('stg_facebook_ads__campaign_histories') }}

),

account_histories as (

    select * from {{ ref('stg_facebook_ads__account_histories') }}

),

ads as (
    {{ kpi_tree.latest_versions('ad_histories', 'id', ['updated_time', '_fivetran_synced']) }}
),

campaigns as (
    {{ kpi_tree.latest_versions(
        'campaign_histories', 'id', ['updated_time', '_fivetran_synced']) }}
),

accounts as (
    {{ kpi_tree.latest_versions('account_histories', 'id', ['_fivetran_synced']) }}
),

daily_spend as (

    select
        ads.campaign_id,
        coalesce(basic_ads.account_id, ads.account_id) as account_id,
        basic_ads.date as spend_date,
        sum(basic_ads.spend) as spend_local,
        count(*) as stats_rows

    from basic_ads
    left join ads
        on basic_ads.ad_id = ads.id
    group by 1, 2, 3

),

final as (
    {{ kpi_tree.ads_platform_spend(
        platform='facebook_ads',
        account_id='daily_spend.account_id',
        currency_column='currency'
    ) }}
)

select * from final

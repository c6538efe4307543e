{#- Google Ads' spend per campaign and day in its account's currency: campaign_stats summed
    over networks and devices (cost_micros in millionths), each campaign and account as it
    stands (its latest version). -#}
with

campaign_stats as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

campaign_histories as (

    select * from {{ ref('stg_google_ads__campaign_histories') }}

),

account_histories as (

    select * from {{ ref('stg_google_ads__account_histories') }}

),

campaigns as (
    {{ kpi_tree.latest_versions('campaign_histories', 'id', ['updated_at', '_fivetran_synced']) }}
),

accounts as (
    {{ kpi_tree.latest_versions('account_histories', 'id', ['updated_at', '_fivetran_synced']) }}
),

daily_spend as (

    select
        id as campaign_id,
        customer_id as account_id,
        date as spend_date,
        sum(cost_micros) / 1000000.0 as spend_local,
        count(*) as stats_rows

    from campaign_stats
    group by 1, 2, 3

),

final as (
    {{ kpi_tree.ads_platform_spend(
        platform='google_ads',
        account_id='coalesce(daily_spend.account_id, campaigns.customer_id)',
        currency_column='currency_code'
    ) }}
)

select * from final

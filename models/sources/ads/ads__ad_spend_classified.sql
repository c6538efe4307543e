{#- Each platform campaign's spend on a day, mapped (seeds/ads_campaigns.csv) and converted
    to USD at the day's rate (seeds/crm_currency_rates.csv), with why it stays out of the
    contract when it does (rejection_reason). -#}
with

campaign_spend as (

    select * from {{ ref('ads__campaign_spend') }}

),

campaign_mappings as (

    select * from {{ ref('ads_campaigns') }}

),

currency_rates as (

    select * from {{ ref('crm_currency_rates') }}

),

rates_in_force as (
    {{ kpi_tree.currency_rates_in_force('currency_rates') }}
),

mapped as (

    select
        campaign_spend.*,
        campaign_mappings.campaign_name as mapped_campaign_name,
        lower(trim(campaign_mappings.motion)) as motion,
        lower(trim(campaign_mappings.channel)) as channel,
        trim(campaign_mappings.campaign) as campaign

    from campaign_spend
    left join campaign_mappings
        on
            campaign_spend.platform = lower(trim(campaign_mappings.platform))
            and lower(trim(campaign_spend.campaign_name))
            = lower(trim(campaign_mappings.campaign_name))

),

converted as (

    select
        mapped.*,
        case
            when upper(trim(mapped.currency_code)) = 'USD' then 1.0
            else rates_in_force.units_per_usd
        end as units_per_usd

    from mapped
    left join rates_in_force
        on
            upper(trim(mapped.currency_code)) = rates_in_force.currency_code
            and mapped.spend_date >= rates_in_force.valid_from
            and (mapped.spend_date < rates_in_force.valid_to or rates_in_force.valid_to is null)

),

final as (

    select
        platform,
        spend_date,
        account_id,
        campaign_id,
        campaign_name,
        currency_code,
        spend_local,
        stats_rows,
        motion,
        channel,
        campaign,
        units_per_usd,
        spend_local / units_per_usd as spend,
        case
            when spend_date is null then 'missing_spend_date'
            when campaign_name is null then 'missing_campaign'
            when mapped_campaign_name is null then 'unmapped_campaign'
            when motion = 'none' then 'excluded_by_motion_mapping'
            when currency_code is null then 'missing_currency'
            when units_per_usd is null then 'missing_currency_rate'
        end as rejection_reason,
        case
            when mapped_campaign_name is null and campaign_name is not null
                then {{ dbt.concat(["platform", "': '", "campaign_name"]) }}
        end as unmapped_value

    from converted

)

select * from final

{#- GA4 beside the systems that report the same stage, per day (main's reconciliation mart
    unions such models): form_submissions_vs_crm_leads, GA4's demo-request form
    submissions (every one, kept out or not) against the CRM's demo requests (its valid
    inbound leads or form journeys), when var crm_connector chooses a CRM; and
    sessions_vs_ad_clicks, GA4's paid-search sessions against the clicks the platforms
    var ad_platforms lists report, when it lists any. GA4 is the system of record of
    both stages (the funnel's sessions and demo requests are GA4's). -#}
{%- set crm = kpi_tree.crm_connector() %}
{%- set platforms = kpi_tree.ad_platforms() %}
{#- each platform's daily campaign stats: model, campaign id, day, clicks (Meta reports
    per ad: not read here) -#}
{%- set clicks = {
    'google_ads': ('stg_google_ads__campaign_stats', 'id', 'date', 'clicks'),
    'linkedin_ads': ('stg_linkedin_ads__ad_analytics_by_campaigns', 'campaign_id', 'day',
        'clicks'),
} %}
{%- set platforms = platforms | select('in', clicks) | list %}
{%- set double = kpi_tree.type_double() %}

with
-- noqa: disable=LT02,LT08
-- (every CTE is conditional on the connectors chosen: sqlfluff indents a Jinja block's lines)
{%- if crm != 'contract' %}

classified_events as (

    select * from {{ ref('ga4__funnel_events_classified') }}

),

crm_events as (

    select * from {{ ref(crm ~ '__funnel_events_classified') }}

),
{%- endif %}
{%- for platform in platforms %}

{{ platform }}_stats as (

    select * from {{ ref(clicks[platform][0]) }}

),
{%- endfor %}
{%- if platforms %}

classified_spend as (

    select * from {{ ref('ads__ad_spend_classified') }}

),
{%- endif %}
{%- if crm != 'contract' %}

form_submissions as (

    select
        cast(occurred_at as date) as reconciliation_date,
        count(*) as daily_value

    from classified_events
    where event_type = 'demo_request'
    group by 1

),

crm_leads as (

    select
        cast(occurred_at as date) as reconciliation_date,
        count(*) as daily_value

    from crm_events
    where event_type = 'demo_request' and rejection_reason is null
    group by 1

),

form_stage as (
    {{ kpi_tree.reconciliation_stage('form_submissions_vs_crm_leads', 'ga4', crm,
        'form_submissions', 'crm_leads') }}
),
{%- endif %}
{%- if platforms %}

sessions as (

    select * from {{ ref('ga4__sessions') }}

),

paid_sessions as (

    select
        cast(started_at as date) as reconciliation_date,
        count(*) as daily_value

    from sessions
    where channel = 'paid_search'
    group by 1

),

platform_clicks as (
    {%- for platform in platforms %}

    select
        {{ kpi_tree.quote_string(platform) }} as platform,
        {{ clicks[platform][1] }} as campaign_id,
        {{ clicks[platform][2] }} as reconciliation_date,
        {{ clicks[platform][3] }} as clicks

    from {{ platform }}_stats
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

{#- the clicks of the campaigns seeds/ads_campaigns.csv gives to inbound paid search
    (the sessions GA4 sees; ABM's and sign-up campaigns' visits are counted elsewhere) -#}
daily_clicks as (

    select
        platform_clicks.reconciliation_date,
        sum(platform_clicks.clicks) as daily_value

    from platform_clicks
    inner join classified_spend
        on platform_clicks.platform = classified_spend.platform
        and platform_clicks.campaign_id = classified_spend.campaign_id
        and platform_clicks.reconciliation_date = classified_spend.spend_date
    where
        classified_spend.rejection_reason is null
        and classified_spend.motion = 'inbound'
        and classified_spend.channel = 'paid_search'
    group by 1

),

click_stage as (
    {{ kpi_tree.reconciliation_stage('sessions_vs_ad_clicks', 'ga4', 'ad_platforms',
        'paid_sessions', 'daily_clicks') }}
),
{%- endif %}

{#- the stages' columns and types (no rows): the stages this build compares add theirs #}
no_stage as (

    select
        cast(null as date) as reconciliation_date,
        cast(null as {{ dbt.type_string() }}) as stage,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as system_of_record,
        cast(null as {{ dbt.type_string() }}) as compared_system,
        cast(null as {{ double }}) as record_value,
        cast(null as {{ double }}) as compared_value

    where 1 = 0

),
{%- set stages = (['form_stage'] if crm != 'contract' else [])
    + (['click_stage'] if platforms else []) %}

final as (

    select * from no_stage
    {%- for stage in stages %}
    union all
    select * from {{ stage }}
    {%- endfor %}

)
-- noqa: enable=LT02,LT08

select * from final

{#- Salesforce leads as journeys, in the canonical CRM shape: an inquiry (a form fill, a
    referral, a sign-up) from its first campaign response (started_at) and its creation
    (requested_at) to its conversion; its campaign is the campaign of that first
    response. -#}
{{ config(materialized="table") }}

with

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

campaign_members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

record_types as (

    select * from {{ ref('stg_salesforce__record_types') }}

),

first_responses as (

    select
        lead_id,
        campaign_id,
        created_date

    from (
        select
            lead_id,
            campaign_id,
            created_date,
            row_number() over (partition by lead_id order by created_date, id) as response_number
        from campaign_members
        where lead_id is not null and coalesce(has_responded, true)
    ) as numbered
    where response_number = 1

),

final as (

    select
        leads.id as journey_id,
        leads.id as person_ref,
        leads.created_date as requested_at,
        coalesce(first_responses.created_date, leads.created_date) as started_at,
        leads.converted_date as converted_at,
        leads.converted_opportunity_id as converted_deal_id,
        campaigns.name as campaign,
        record_types.name as record_type,
        cast(null as {{ dbt.type_string() }}) as form,
        cast(null as {{ dbt.type_string() }}) as pipeline,
        campaigns.type as campaign_type,
        leads.lead_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as analytics_source

    from leads
    left join first_responses
        on leads.id = first_responses.lead_id
    left join campaigns
        on first_responses.campaign_id = campaigns.id
    left join record_types
        on leads.record_type_id = record_types.id

)

select * from final

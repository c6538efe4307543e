{#- Salesforce campaign members that responded, as campaign responses in the canonical
    CRM shape: the person (contact, else lead), the campaign and its type, when. -#}
{{ config(materialized="table") }}

with

campaign_members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

final as (

    select
        campaign_members.id as response_id,
        coalesce(campaign_members.contact_id, campaign_members.lead_id) as person_ref,
        campaigns.name as campaign,
        campaigns.type as campaign_type,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as analytics_source,
        campaign_members.created_date as responded_at

    from campaign_members
    left join campaigns
        on campaign_members.campaign_id = campaigns.id
    where coalesce(campaign_members.has_responded, true)

)

select * from final

{#- HubSpot deals in the canonical CRM shape: company and contact (their first association),
    pipeline, type, currency (blank: USD), original source, and their journey: the latest
    journey form its contact submitted before the deal was created. Merged-away deals are
    gone (deleted) and their merges followed. -#}
{{ config(materialized="table") }}

with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

pipelines as (

    select * from {{ ref('stg_hubspot__deal_pipelines') }}

),

masters as (

    select * from {{ ref('hubspot__record_masters') }}
    where object_type = 'deal'

),


first_companies as (

    select
        deal_id,
        min(company_id) as company_id

    from deal_companies
    group by 1

),

first_contacts as (

    select
        deal_id,
        min(contact_id) as contact_id

    from deal_contacts
    group by 1

),

deal_rows as (

    select
        deals.deal_id,
        first_companies.company_id as account_id,
        first_contacts.contact_id as person_ref,
        deals.property_createdate as created_at,
        cast(deals.property_closedate as date) as close_date,
        deals.property_amount as amount,
        upper(coalesce(nullif(trim(deals.property_deal_currency_code), ''), 'USD'))
            as currency_code,
        deals.property_dealtype as revenue_type_value,
        cast(null as {{ dbt.type_string() }}) as record_type,
        pipelines.label as pipeline,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast(null as {{ dbt.type_string() }}) as lead_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        deals.property_hs_analytics_source as analytics_source

    from deals
    left join first_companies
        on deals.deal_id = first_companies.deal_id
    left join first_contacts
        on deals.deal_id = first_contacts.deal_id
    left join pipelines
        on deals.deal_pipeline_id = pipelines.pipeline_id
    where not exists (
        select 1
        from masters
        where masters.record_id = deals.deal_id
    )

),

deal_journeys as (

    {{ kpi_tree.crm_journey_before(
        'hubspot', 'deal_rows', 'deal_id', 'person_ref', 'created_at', 'started_at'
    ) | indent(4) }}

),

final as (

    select
        deal_rows.*,
        deal_journeys.journey_id

    from deal_rows
    left join deal_journeys
        on deal_rows.deal_id = deal_journeys.deal_id

)

select * from final

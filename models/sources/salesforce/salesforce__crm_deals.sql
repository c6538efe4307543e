{#- Salesforce opportunities as deals, in the canonical CRM shape: account (merges
    followed), contact (the opportunity's, else its primary contact role), record type,
    primary campaign, currency (blank: the corporate currency), and its journey: the
    lead converted into it, else the latest lead of its contact converted before it was
    created. -#}
{{ config(materialized="table") }}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

contact_roles as (

    select * from {{ ref('stg_salesforce__opportunity_contact_roles') }}

),

record_types as (

    select * from {{ ref('stg_salesforce__record_types') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

currency_types as (

    select * from {{ ref('stg_salesforce__currency_types') }}

),

masters as (

    select * from {{ ref('salesforce__record_masters') }}

),

journeys as (

    select * from {{ ref('salesforce__crm_journeys') }}

),

primary_contacts as (

    select
        opportunity_id,
        contact_id

    from (
        select
            opportunity_id,
            contact_id,
            row_number() over (partition by opportunity_id order by created_date, id)
                as role_rank
        from contact_roles
        where coalesce(is_primary, false)
    ) as ranked
    where role_rank = 1

),

corporate_currency as (

    select max(iso_code) as currency_code
    from currency_types
    where coalesce(is_corporate, false)

),

deal_rows as (

    select
        opportunities.id as deal_id,
        coalesce(masters.master_id, opportunities.account_id) as account_id,
        coalesce(opportunities.contact_id, primary_contacts.contact_id) as person_ref,
        opportunities.created_date as created_at,
        opportunities.close_date,
        opportunities.amount,
        upper(coalesce(
            nullif(trim(opportunities.currency_iso_code), ''),
            corporate_currency.currency_code,
            'USD'
        )) as currency_code,
        opportunities.type as revenue_type_value,
        record_types.name as record_type,
        cast(null as {{ dbt.type_string() }}) as pipeline,
        campaigns.name as campaign,
        campaigns.type as campaign_type,
        opportunities.lead_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as analytics_source

    from opportunities
    cross join corporate_currency
    left join masters
        on
            masters.object_type = 'account'
            and opportunities.account_id = masters.record_id
    left join primary_contacts
        on opportunities.id = primary_contacts.opportunity_id
    left join record_types
        on opportunities.record_type_id = record_types.id
    left join campaigns
        on opportunities.campaign_id = campaigns.id

),

contact_journeys as (

    {{ kpi_tree.crm_journey_before(
        'salesforce', 'deal_rows', 'deal_id', 'person_ref', 'created_at', 'converted_at'
    ) | indent(4) }}

),

converted_journeys as (

    select
        converted_deal_id as deal_id,
        min(journey_id) as journey_id

    from journeys
    where converted_deal_id is not null
    group by 1

),

final as (

    select
        deal_rows.*,
        coalesce(converted_journeys.journey_id, contact_journeys.journey_id) as journey_id

    from deal_rows
    left join converted_journeys
        on deal_rows.deal_id = converted_journeys.deal_id
    left join contact_journeys
        on deal_rows.deal_id = contact_journeys.deal_id

)

select * from final

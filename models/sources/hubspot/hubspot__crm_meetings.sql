{#- HubSpot MEETING engagements (active) as meetings, in the canonical CRM shape: booked when
    created, held at their start, their outcome, company and deal (merges followed), and the
    person and journey they belong to: of the contacts on the meeting, the one whose journey
    form submission is the latest at or before the booking (HubSpot keeps no primary
    contact: a colleague's newer inquiry would take it), else the first contact. -#}
{{ config(materialized="table") }}

with

engagements as (

    select * from {{ ref('stg_hubspot__engagements') }}

),

engagement_meetings as (

    select * from {{ ref('stg_hubspot__engagement_meetings') }}

),

engagement_contacts as (

    select * from {{ ref('stg_hubspot__engagement_contacts') }}

),

engagement_companies as (

    select * from {{ ref('stg_hubspot__engagement_companies') }}

),

engagement_deals as (

    select * from {{ ref('stg_hubspot__engagement_deals') }}

),

masters as (

    select * from {{ ref('hubspot__record_masters') }}
    where object_type = 'deal'

),


meeting_rows as (

    select
        engagements.id as meeting_id,
        coalesce(engagement_meetings.property_hs_createdate, engagements.created_at)
            as booked_at,
        coalesce(
            engagement_meetings.property_hs_meeting_start_time,
            engagement_meetings.property_hs_timestamp,
            engagements.timestamp
        ) as starts_at,
        engagement_meetings.property_hs_meeting_outcome as outcome

    from engagements
    inner join engagement_meetings
        on engagements.id = engagement_meetings.engagement_id
    where upper(engagements.type) = 'MEETING' and coalesce(engagements.active, true)

),

meeting_contacts as (

    select
        meeting_rows.meeting_id,
        meeting_rows.booked_at,
        engagement_contacts.contact_id

    from meeting_rows
    inner join engagement_contacts
        on meeting_rows.meeting_id = engagement_contacts.engagement_id

),

meeting_journeys as (

    {{ kpi_tree.crm_journey_before(
        'hubspot', 'meeting_contacts', 'meeting_id', 'contact_id', 'booked_at', 'started_at'
    ) | indent(4) }}

),

first_contacts as (

    select
        engagement_id,
        min(contact_id) as contact_id

    from engagement_contacts
    group by 1

),

first_companies as (

    select
        engagement_id,
        min(company_id) as company_id

    from engagement_companies
    group by 1

),

first_deals as (

    select
        engagement_deals.engagement_id,
        min(coalesce(masters.master_id, engagement_deals.deal_id)) as deal_id

    from engagement_deals
    left join masters
        on engagement_deals.deal_id = masters.record_id
    group by 1

),

final as (

    select
        meeting_rows.meeting_id,
        coalesce(meeting_journeys.person_ref, first_contacts.contact_id) as person_ref,
        first_companies.company_id as account_id,
        meeting_journeys.journey_id,
        first_deals.deal_id,
        meeting_rows.booked_at,
        meeting_rows.starts_at,
        meeting_rows.outcome

    from meeting_rows
    left join meeting_journeys
        on meeting_rows.meeting_id = meeting_journeys.meeting_id
    left join first_contacts
        on meeting_rows.meeting_id = first_contacts.engagement_id
    left join first_companies
        on meeting_rows.meeting_id = first_companies.engagement_id
    left join first_deals
        on meeting_rows.meeting_id = first_deals.engagement_id

)

select * from final

{#- Salesforce events of a meeting type (var salesforce__meeting_event_types) as meetings,
    in the canonical CRM shape: booked when created, held at their start, their outcome
    (var salesforce__meeting_outcome_field), the opportunity they relate to, and their
    journey: the lead of the same person converted latest at or before the booking (sales
    converts a lead when it books the first meeting). -#}
{{ config(materialized="table") }}

with

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

opportunities as (

    select id from {{ ref('stg_salesforce__opportunities') }}

),

masters as (

    select * from {{ ref('salesforce__record_masters') }}

),


meeting_events as (

    select * from events
    where
        lower(trim(type)) in (
            {{ kpi_tree.sql_string_list(
                var('salesforce__meeting_event_types', ['Meeting']) | map('lower') | list) }}
        )

),

meeting_journeys as (

    {{ kpi_tree.crm_journey_before(
        'salesforce', 'meeting_events', 'id', 'who_id', 'created_date', 'converted_at'
    ) | indent(4) }}

),

final as (

    select
        meeting_events.id as meeting_id,
        meeting_events.who_id as person_ref,
        coalesce(masters.master_id, meeting_events.account_id) as account_id,
        meeting_journeys.journey_id,
        opportunities.id as deal_id,
        meeting_events.created_date as booked_at,
        meeting_events.start_date_time as starts_at,
        meeting_events.meeting_outcome__c as outcome

    from meeting_events
    left join masters
        on
            masters.object_type = 'account'
            and meeting_events.account_id = masters.record_id
    left join meeting_journeys
        on meeting_events.id = meeting_journeys.id
    left join opportunities
        on meeting_events.what_id = opportunities.id

)

select * from final

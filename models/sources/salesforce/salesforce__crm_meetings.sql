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

people as (

    select * from {{ ref('salesforce__crm_people') }}

),

journeys as (

    select * from {{ ref('salesforce__crm_journeys') }}

),

meeting_events as (

    select * from events
    where
        lower(trim(type)) in (
            {{ kpi_tree.sql_string_list(
                var('salesforce__meeting_event_types', ['Meeting']) | map('lower') | list) }}
        )

),

journey_people as (

    select
        journeys.journey_id,
        journeys.converted_at,
        people.person_id

    from journeys
    inner join people
        on journeys.person_ref = people.person_ref
    where journeys.converted_at is not null

),

meeting_journeys as (

    select
        meeting_id,
        journey_id

    from (
        select
            meeting_events.id as meeting_id,
            journey_people.journey_id,
            row_number() over (
                partition by meeting_events.id
                order by journey_people.converted_at desc, journey_people.journey_id desc
            ) as journey_rank
        from meeting_events
        inner join people
            on meeting_events.who_id = people.person_ref
        inner join journey_people
            on
                people.person_id = journey_people.person_id
                and meeting_events.created_date >= journey_people.converted_at
    ) as ranked
    where journey_rank = 1

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
        on meeting_events.id = meeting_journeys.meeting_id
    left join opportunities
        on meeting_events.what_id = opportunities.id

)

select * from final

{#-
    Meetings held, one row per event: the conversion events of the lag-aware
    demo-request-to-meeting-held conversion metric, and the meetings of the ABM
    tree, which counts accounts whose meeting had a buying persona attending
    (an economic buyer or a champion, from the meeting's attendees).
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

meeting_attendees as (

    select * from {{ ref('stg_marketing__meeting_attendees') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

meetings_held as (

    select * from funnel_events
    where event_type = 'meeting_held'

),

buying_personas as (

    select distinct meeting_event_id
    from meeting_attendees
    where persona in ('economic_buyer', 'champion')

),

final as (

    select
        {{ dbt.concat(['meetings_held.source_system', "':'", 'meetings_held.event_id']) }}
            as meeting_held_id,
        meetings_held.account_id,
        meetings_held.contact_id,
        meetings_held.motion,
        meetings_held.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        meetings_held.occurred_at as held_at,
        buying_personas.meeting_event_id is not null as has_buying_persona

    from meetings_held
    left join buying_personas
        on meetings_held.event_id = buying_personas.meeting_event_id
    left join accounts
        on meetings_held.account_id = accounts.account_id

)

select * from final

{#- Quarantine: every raw meeting attendees row that breaks a rule, with the reason: a view
    of base_marketing__meeting_attendees (incremental, one row per raw row). -#}

with

meeting_attendees as (

    select * from {{ ref('base_marketing__meeting_attendees') }}

),

final as (

    select
        rejection_reason,
        attendee_id,
        meeting_event_id,
        account_id,
        contact_id,
        persona,
        ingested_at,
        staged_at

    from meeting_attendees
    where rejection_reason is not null

)

select * from final

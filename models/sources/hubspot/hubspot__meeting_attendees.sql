{#- The raw contract's meeting_attendees from HubSpot: its version log (staging reads it
    through kpi_tree.raw_relation). -#}

with

versions as (

    select * from {{ ref('hubspot__meeting_attendees_versions') }}

),

final as (

    select
        attendee_id,
        meeting_event_id,
        account_id,
        contact_id,
        persona,
        ingested_at

    from versions

)

select * from final

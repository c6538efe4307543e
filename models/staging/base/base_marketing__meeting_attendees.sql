{#-
    Every raw meeting attendee row (invitees of a meeting_scheduled event, who came
    to a meeting_held event), typed and normalised, with its verdict: rejection_reason
    is null for a valid row, else the first rule it breaks.
-#}

with

source as (

    select * from {{ source('marketing', 'meeting_attendees') }}

),

normalised as (

    select
        cast(attendee_id as {{ dbt.type_string() }}) as attendee_id,
        cast(meeting_event_id as {{ dbt.type_string() }}) as meeting_event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        lower(trim(persona)) as persona,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_attendee_id', 'attendee_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_meeting_event_id', 'meeting_event_id is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_persona', kpi_tree.not_in_vocabulary('persona', var('attendee_personas'))],
        ]) }} as rejection_reason

    from normalised

)

select * from final

{#-
    Valid meeting attendees (invitees of a scheduled meeting, who came to a held one), one row per attendee_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='attendee_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

meeting_attendees as (

    select * from {{ ref('base_marketing__meeting_attendees') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['attendee_id']) }} as version_rank

    from meeting_attendees

),

final as (

    select
        attendee_id,
        meeting_event_id,
        account_id,
        contact_id,
        persona,
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

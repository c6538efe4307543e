{#-
    Valid meeting attendees (invitees of a scheduled meeting, who came to a held one), one row per attendee_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='attendee_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__meeting_attendees'),
        ['attendee_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['attendee_id'],
            tie_breakers=[],
            text_tie_breakers=['meeting_event_id', 'account_id', 'contact_id', 'persona'],
        ) }} as version_rank,
        count(*) over (partition by attendee_id) as version_count,
        max(staged_at) over (partition by attendee_id) as key_staged_at

    from changed_versions

),

final as (

    select
        attendee_id,
        meeting_event_id,
        account_id,
        contact_id,
        persona,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

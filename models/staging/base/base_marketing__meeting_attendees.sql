{#-
    Every raw meeting attendee row (invitees of a meeting_scheduled event, who came to a
    meeting_held event), typed and normalised, with its verdict: rejection_reason is
    null for a valid row, else the first rule it breaks. One pass over raw, incremental
    like base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('meeting_attendees')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('meeting_attendees') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('attendee_id') }} as attendee_id,
        {{ kpi_tree.normalised_id('meeting_event_id') }} as meeting_event_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_id('contact_id') }} as contact_id,
        {{ kpi_tree.normalised_code('persona') }} as persona,
        {{ kpi_tree.as_utc_timestamp('ingested_at', types) }} as ingested_at

    from source

),

rows_to_stage as (

    {{- kpi_tree.rows_to_stage('normalised', window) }}

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_attendee_id', 'attendee_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_meeting_event_id', 'meeting_event_id is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_persona',
                kpi_tree.not_in_vocabulary('persona', var('attendee_personas'))],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

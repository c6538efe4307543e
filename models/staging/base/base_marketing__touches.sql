{#-
    Every raw marketing touch row (the journeys behind opportunities, for attribution),
    typed and normalised, with its verdict: rejection_reason is null for a valid row,
    else the first rule it breaks. One pass over raw, incremental like
    base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('touches')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('touches') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('touch_id') }} as touch_id,
        {{ kpi_tree.normalised_id('contact_id') }} as contact_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_id('opportunity_id') }} as opportunity_id,
        {{ kpi_tree.normalised_code('channel') }} as channel,
        campaign,
        {{ kpi_tree.as_utc_timestamp('touched_at', types) }} as touched_at,
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
            ['missing_touch_id', 'touch_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_touched_at', 'touched_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['occurred_in_future', 'touched_at > ' ~ kpi_tree.load_time()],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_channel',
                kpi_tree.not_in_vocabulary('channel', var('channels'))],
            ['occurred_after_ingestion', 'touched_at > ingested_at'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

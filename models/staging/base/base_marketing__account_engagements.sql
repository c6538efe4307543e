{#-
    Every raw ABM engagement row (intent signals and engaged sessions), typed and
    normalised, with its verdict: rejection_reason is null for a valid row, else the
    first rule it breaks. One pass over raw, incremental like
    base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('account_engagement')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('account_engagement') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('engagement_id') }} as engagement_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_id('contact_id') }} as contact_id,
        {{ kpi_tree.normalised_code('engagement_type') }} as engagement_type,
        {{ kpi_tree.as_utc_timestamp('occurred_at', types) }} as occurred_at,
        {{ kpi_tree.normalised_code('source_system') }} as source_system,
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
            ['missing_engagement_id', 'engagement_id is null'],
            ['missing_source_system', 'source_system is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_occurred_at', 'occurred_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['occurred_in_future', 'occurred_at > ' ~ kpi_tree.load_time()],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_engagement_type',
                kpi_tree.not_in_vocabulary('engagement_type', var('engagement_types'))],
            ['occurred_after_ingestion', 'occurred_at > ingested_at'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

{#-
    Every raw product event row (sign-ups, activations, product-qualified accounts). The
    source's event_id becomes product_event_id, so it is never mistaken for a funnel
    event's, typed and normalised, with its verdict: rejection_reason is null for a
    valid row, else the first rule it breaks. One pass over raw, incremental like
    base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('product_events')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('product_events') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('event_id') }} as product_event_id,
        {{ kpi_tree.normalised_id('user_id') }} as user_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_code('event_type') }} as event_type,
        {{ kpi_tree.normalised_code('channel') }} as channel,
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
            ['missing_event_id', 'product_event_id is null'],
            ['missing_source_system', 'source_system is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_occurred_at', 'occurred_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['occurred_in_future', 'occurred_at > ' ~ kpi_tree.load_time()],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_event_type',
                kpi_tree.not_in_vocabulary('event_type', var('product_event_types'))],
            ['unknown_channel',
                kpi_tree.not_in_vocabulary('channel', var('channels'))],
            ['occurred_after_ingestion', 'occurred_at > ingested_at'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

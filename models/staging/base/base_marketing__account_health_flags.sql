{#-
    Every raw account health flag row (at risk, recovered). The source's reason becomes
    flag_reason, beside rejection_reason, typed and normalised, with its verdict:
    rejection_reason is null for a valid row, else the first rule it breaks. One pass
    over raw, incremental like base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('account_health')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('account_health') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('flag_id') }} as flag_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        cast(flagged_on as date) as flagged_on,
        {{ kpi_tree.normalised_code('status') }} as status,
        {{ kpi_tree.normalised_code('reason') }} as flag_reason,
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
            ['missing_flag_id', 'flag_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_flagged_on', 'flagged_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_status',
                kpi_tree.not_in_vocabulary('status', var('account_health_statuses'))],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

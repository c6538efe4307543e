{#-
    Every raw partner deal registration row, typed and normalised, with its verdict:
    rejection_reason is null for a valid row, else the first rule it breaks. One pass
    over raw, incremental like base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('partner_registrations')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('partner_registrations') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('registration_id') }} as registration_id,
        {{ kpi_tree.normalised_id('partner_id') }} as partner_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.as_utc_timestamp('registered_at', types) }} as registered_at,
        {{ kpi_tree.normalised_code('status') }} as status,
        {{ kpi_tree.as_utc_timestamp('decided_at', types) }} as decided_at,
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
            ['missing_registration_id', 'registration_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_registered_at', 'registered_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['occurred_in_future', 'registered_at > ' ~ kpi_tree.load_time()],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_status',
                kpi_tree.not_in_vocabulary('status', var('partner_registration_statuses'))],
            ['decided_before_registration', 'decided_at < registered_at'],
            ['occurred_after_ingestion', 'registered_at > ingested_at'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

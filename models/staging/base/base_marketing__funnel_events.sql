{#-
    Every raw funnel event row, typed and normalised, with the verdict staging acts
    on: rejection_reason is null for a valid row, else the first rule the row breaks.
    One pass over raw: valid and rejected rows come from the same read. Incremental
    (macros/staging): a run re-reads the rows ingested since the watermark less var
    staging_lookback_hours, and any older raw row not staged yet.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('funnel_events')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('funnel_events') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('event_id') }} as event_id,
        {{ kpi_tree.as_utc_timestamp('occurred_at', types) }} as occurred_at,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_id('contact_id') }} as contact_id,
        {{ kpi_tree.normalised_id('opportunity_id') }} as opportunity_id,
        {{ kpi_tree.normalised_code('event_type') }} as event_type,
        {{ kpi_tree.normalised_code('motion') }} as motion,
        {{ kpi_tree.normalised_code('channel') }} as channel,
        campaign,
        {{ kpi_tree.parsed_double('amount', types) }} as amount_usd,
        cast(amount as {{ dbt.type_string() }}) as raw_amount,
        upper(trim(currency)) as currency,
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
            ['missing_event_id', 'event_id is null'],
            ['missing_source_system', 'source_system is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_occurred_at', 'occurred_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['occurred_in_future', 'occurred_at > ' ~ kpi_tree.load_time()],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_event_type',
                kpi_tree.not_in_vocabulary('event_type', var('funnel_event_types'))],
            ['unknown_motion', kpi_tree.not_in_vocabulary('motion', var('motions'))],
            ['unknown_channel', kpi_tree.not_in_vocabulary('channel', var('channels'))],
        ] + kpi_tree.amount_rules('amount_usd', 'raw_amount') + [
            ['missing_amount',
                'amount_usd is null and event_type in ('
                ~ kpi_tree.sql_string_list(var('amount_event_types')) ~ ')'],
            ['unsupported_currency', "amount_usd is not null and coalesce(currency, '') != 'USD'"],
            ['occurred_after_ingestion', 'occurred_at > ingested_at'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

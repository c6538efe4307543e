{#-
    Every raw subscription row (one per closed-won deal, and the customers who predate
    the data), typed and normalised, with its verdict: rejection_reason is null for a
    valid row, else the first rule it breaks. One pass over raw, incremental like
    base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('subscriptions')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('subscriptions') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('subscription_id') }} as subscription_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_id('opportunity_id') }} as opportunity_id,
        cast(started_on as date) as started_on,
        cast(term_months as {{ dbt.type_int() }}) as term_months,
        {{ kpi_tree.parsed_double('arr', types) }} as arr_usd,
        cast(arr as {{ dbt.type_string() }}) as raw_arr,
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
            ['missing_subscription_id', 'subscription_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_started_on', 'started_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['missing_arr', 'arr_usd is null'],
        ] + kpi_tree.amount_rules('arr_usd', 'raw_arr', 'arr') + [
            ['invalid_term_months', 'coalesce(term_months, 0) <= 0'],
        ]) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

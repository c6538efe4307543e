{#-
    Every raw subscription change row (expansion, contraction, renewal, churn);
    arr_change_usd is signed (negative for contraction and churn), typed and normalised,
    with its verdict: rejection_reason is null for a valid row, else the first rule it
    breaks. One pass over raw, incremental like base_marketing__funnel_events.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_reread_rows(kpi_tree.raw_relation('subscription_changes')) }}",
) }}
{%- set raw = kpi_tree.raw_relation('subscription_changes') %}
{%- set types = kpi_tree.raw_column_types(raw) %}
{%- set window = kpi_tree.reread_window(raw, types) %}

with

source as (

    select * from {{ raw }}
    {{- kpi_tree.raw_rows_to_read(window) }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('change_id') }} as change_id,
        {{ kpi_tree.normalised_id('subscription_id') }} as subscription_id,
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_code('change_type') }} as change_type,
        cast(effective_on as date) as effective_on,
        {{ kpi_tree.parsed_double('arr_change', types) }} as arr_change_usd,
        cast(arr_change as {{ dbt.type_string() }}) as raw_arr_change,
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
            ['missing_change_id', 'change_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_subscription_id', 'subscription_id is null'],
            ['missing_effective_on', 'effective_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['ingested_in_future', 'ingested_at > ' ~ kpi_tree.load_time()],
            ['unknown_change_type',
                kpi_tree.not_in_vocabulary('change_type', var('subscription_change_types'))],
            ['missing_arr_change', 'arr_change_usd is null'],
        ] + kpi_tree.amount_rules(
            'arr_change_usd', 'raw_arr_change', 'arr_change', signed=true
        )) }} as rejection_reason,
        {{ kpi_tree.staged_at() }} as staged_at

    from rows_to_stage

)

select * from final

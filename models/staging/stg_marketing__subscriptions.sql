{#-
    Valid subscriptions, one row per subscription_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='subscription_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__subscriptions'),
        ['subscription_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['subscription_id'],
            tie_breakers=['started_on', 'term_months', 'arr_usd'],
            text_tie_breakers=['account_id', 'opportunity_id'],
        ) }} as version_rank,
        count(*) over (partition by subscription_id) as version_count,
        max(staged_at) over (partition by subscription_id) as key_staged_at

    from changed_versions

),

final as (

    select
        subscription_id,
        account_id,
        opportunity_id,
        started_on,
        term_months,
        cast(arr_usd as {{ dbt.type_numeric() }}) as arr_usd,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

{#-
    Valid subscription changes (expansion, contraction, renewal, churn), one row per change_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='change_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__subscription_changes'),
        ['change_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['change_id'],
            tie_breakers=['effective_on', 'arr_change_usd'],
            text_tie_breakers=['change_type', 'subscription_id', 'account_id'],
        ) }} as version_rank,
        count(*) over (partition by change_id) as version_count,
        max(staged_at) over (partition by change_id) as key_staged_at

    from changed_versions

),

final as (

    select
        change_id,
        subscription_id,
        account_id,
        change_type,
        effective_on,
        cast(arr_change_usd as {{ dbt.type_numeric() }}) as arr_change_usd,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

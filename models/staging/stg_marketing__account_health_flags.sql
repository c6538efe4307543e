{#-
    Valid account health flags, one row per flag_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='flag_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__account_health_flags'),
        ['flag_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['flag_id'],
            tie_breakers=['flagged_on'],
            text_tie_breakers=['status', 'flag_reason', 'account_id'],
        ) }} as version_rank,
        count(*) over (partition by flag_id) as version_count,
        max(staged_at) over (partition by flag_id) as key_staged_at

    from changed_versions

),

final as (

    select
        flag_id,
        account_id,
        flagged_on,
        status,
        flag_reason,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

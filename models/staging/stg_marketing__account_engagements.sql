{#-
    Valid ABM engagements (intent signals and engaged sessions), one row per source_system and engagement_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key=['source_system', 'engagement_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__account_engagements'),
        ['source_system', 'engagement_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['source_system', 'engagement_id'],
            tie_breakers=['occurred_at'],
            text_tie_breakers=['engagement_type', 'account_id', 'contact_id'],
        ) }} as version_rank,
        count(*) over (partition by source_system, engagement_id) as version_count,
        max(staged_at) over (partition by source_system, engagement_id) as key_staged_at

    from changed_versions

),

final as (

    select
        engagement_id,
        account_id,
        contact_id,
        engagement_type,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        source_system,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

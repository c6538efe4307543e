{#-
    Valid marketing touches, one row per touch_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='touch_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__touches'),
        ['touch_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['touch_id'],
            tie_breakers=['touched_at'],
            text_tie_breakers=['channel', 'campaign', 'account_id', 'contact_id', 'opportunity_id'],
        ) }} as version_rank,
        count(*) over (partition by touch_id) as version_count,
        max(staged_at) over (partition by touch_id) as key_staged_at

    from changed_versions

),

final as (

    select
        touch_id,
        contact_id,
        account_id,
        opportunity_id,
        channel,
        campaign,
        touched_at,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

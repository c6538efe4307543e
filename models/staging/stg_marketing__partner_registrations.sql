{#-
    Valid partner deal registrations, one row per registration_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='registration_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__partner_registrations'),
        ['registration_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['registration_id'],
            tie_breakers=['registered_at', 'decided_at'],
            text_tie_breakers=['partner_id', 'account_id', 'status'],
        ) }} as version_rank,
        count(*) over (partition by registration_id) as version_count,
        max(staged_at) over (partition by registration_id) as key_staged_at

    from changed_versions

),

final as (

    select
        registration_id,
        partner_id,
        account_id,
        registered_at,
        status,
        decided_at,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

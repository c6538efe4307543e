{#-
    Valid product events (sign-ups, activations, product-qualified accounts), one row per source_system and product_event_id: the latest ingested
    version wins (ties: README "Reliability"). Incremental like stg_marketing__funnel_events:
    each run recomputes only the keys with a version staged since it last ran.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key=['source_system', 'product_event_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__product_events'),
        ['source_system', 'product_event_id'],
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['source_system', 'product_event_id'],
            tie_breakers=['occurred_at'],
            text_tie_breakers=['event_type', 'channel', 'account_id', 'user_id'],
        ) }} as version_rank,
        count(*) over (partition by source_system, product_event_id) as version_count,
        max(staged_at) over (partition by source_system, product_event_id) as key_staged_at

    from changed_versions

),

final as (

    select
        product_event_id,
        user_id,
        account_id,
        event_type,
        channel,
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

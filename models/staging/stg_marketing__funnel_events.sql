{#-
    Valid funnel events, one row per source system and event_id: the latest ingested
    version wins, a tie on ingested_at goes to the greatest values in a fixed column
    order (the same on every engine). Incremental: each run recomputes only the keys
    with a version staged since it last ran (delete+insert on the key), so corrections
    and late rows replace what they correct; a full refresh gives the same table.
    version_count keeps how many valid raw versions each event had (the reconciliation
    counts re-sent rows from it).
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key=['source_system', 'event_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

changed_versions as (

    {{- kpi_tree.changed_versions(
        ref('base_marketing__funnel_events'), ['source_system', 'event_id']
    ) }}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(
            ['source_system', 'event_id'],
            tie_breakers=['occurred_at', 'amount_usd'],
            text_tie_breakers=[
                'event_type', 'motion', 'channel', 'account_id', 'contact_id',
                'opportunity_id', 'campaign', 'currency',
            ],
        ) }} as version_rank,
        count(*) over (partition by source_system, event_id) as version_count,
        max(staged_at) over (partition by source_system, event_id) as key_staged_at

    from changed_versions

),

final as (

    select
        event_id,
        source_system,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        cast(amount_usd as {{ dbt.type_numeric() }}) as amount_usd,
        ingested_at,
        version_count,
        key_staged_at as staged_at

    from ranked
    where version_rank = 1

)

select * from final

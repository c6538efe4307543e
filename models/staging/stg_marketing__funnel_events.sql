{#-
    Valid funnel events, one row per event_id: the latest ingested version wins.
    Incremental: each run reads the raw rows ingested since the latest one it
    has already loaded, less a lookback (var staging_lookback_hours) for
    rows that land late, and replaces the events they carry (delete+insert on
    event_id). A re-sent event is ingested later than its earlier version, so
    its newest version always replaces the older one. `dbt build --full-refresh`
    rebuilds from every raw row and gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

funnel_events as (

    select * from {{ ref('base_marketing__funnel_events') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['event_id'], ['occurred_at desc']) }} as version_rank

    from funnel_events

),

final as (

    select
        event_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount_usd,
        source_system,
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

{#-
    Valid product events (sign-ups, activations, product-qualified accounts), one row per product_event_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='product_event_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

product_events as (

    select * from {{ ref('base_marketing__product_events') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['product_event_id']) }} as version_rank

    from product_events

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
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

{#-
    Valid subscription changes (expansion, contraction, renewal, churn), one row per change_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='change_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

subscription_changes as (

    select * from {{ ref('base_marketing__subscription_changes') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['change_id']) }} as version_rank

    from subscription_changes

),

final as (

    select
        change_id,
        subscription_id,
        account_id,
        change_type,
        effective_on,
        arr_change_usd,
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

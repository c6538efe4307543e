{#-
    Valid marketing touches, one row per touch_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='touch_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

touches as (

    select * from {{ ref('base_marketing__touches') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['touch_id']) }} as version_rank

    from touches

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
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

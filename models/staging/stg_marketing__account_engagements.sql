{#-
    Valid ABM engagements (intent signals and engaged sessions), one row per engagement_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='engagement_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

account_engagements as (

    select * from {{ ref('base_marketing__account_engagements') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['engagement_id']) }} as version_rank

    from account_engagements

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
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

{#-
    Valid account health flags, one row per flag_id: the latest ingested version
    wins. Incremental like stg_marketing__funnel_events: each run reads the rows
    ingested since the latest one loaded, less var staging_lookback_hours, and
    replaces the keys they carry; a full refresh gives the same table.
-#}
{{ config(
    materialized='incremental',
    unique_key='flag_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

account_health_flags as (

    select * from {{ ref('base_marketing__account_health_flags') }}
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at >= {{ kpi_tree.reread_from() }}
    {% endif %}

),

ranked as (

    select
        *,
        {{ kpi_tree.latest_version_first(['flag_id']) }} as version_rank

    from account_health_flags

),

final as (

    select
        flag_id,
        account_id,
        flagged_on,
        status,
        flag_reason,
        ingested_at

    from ranked
    where version_rank = 1

)

select * from final

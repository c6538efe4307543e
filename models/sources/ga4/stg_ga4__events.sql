{#- GA4's events as landed, in either shape (var ga4_shape): the declared columns typed
    (kpi_tree.connector_rows), each parameter the connector reads out of event_params or
    its own column (kpi_tree.ga4_param), the timestamp exact to the microsecond and the
    page's path without host and query. -#}
{{ config(materialized="table") }}

with

landed as (
    {{ kpi_tree.connector_rows('ga4', 'events') }}
),

typed_events as (

    select
        landed.user_pseudo_id,
        {{ kpi_tree.ga4_param('ga_session_id', 'integer') }} as ga_session_id,
        landed.user_id,
        landed.event_name,
        landed.event_timestamp,
        {{ kpi_tree.crm_zoned(kpi_tree.epoch_micros_to_timestamp('landed.event_timestamp')) }}
            as event_at,
        {{ kpi_tree.ga4_param('page_location') }} as page_location,
        {{ kpi_tree.ga4_param('engagement_time_msec', 'integer') }} as engagement_time_msec,
        {{ kpi_tree.ga4_param('form_id') }} as form_id,
        {{ kpi_tree.ga4_param(var('ga4_hashed_email_param'), 'text', 'param_hashed_email') }}
            as hashed_email,
        {{ kpi_tree.ga4_param(var('ga4_account_param'), 'text', 'param_crm_account_id') }}
            as account_id,
        {{ kpi_tree.ga4_traffic_source('manual_source') }} as traffic_source,
        {{ kpi_tree.ga4_traffic_source('manual_medium') }} as traffic_medium,
        {{ kpi_tree.ga4_traffic_source('manual_campaign_name') }} as traffic_campaign

    from landed

),

final as (

    select
        *,
        {{ dbt.concat(["user_pseudo_id", "':'",
            dbt.cast("ga_session_id", api.Column.translate_type("string"))]) }}
            as session_id,
        split_part(
            regexp_replace(page_location, '^[A-Za-z]+://[^/]+', ''), '?', 1
        ) as page_path

    from typed_events

)

select * from final

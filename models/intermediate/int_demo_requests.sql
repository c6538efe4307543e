{#- Demo requests, one row per event: the base events of the lag-aware
    demo-request-to-meeting-held conversion metric. -#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

final as (

    select
        {{ dbt.concat(['source_system', "':'", 'event_id']) }} as demo_request_id,
        contact_id,
        motion,
        channel,
        occurred_at as requested_at

    from funnel_events
    where event_type = 'demo_request'

)

select * from final

{#- Meetings held, one row per event: the conversion events of the lag-aware
    demo-request-to-meeting-held conversion metric. -#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

final as (

    select
        {{ dbt.concat(['source_system', "':'", 'event_id']) }} as meeting_held_id,
        contact_id,
        motion,
        channel,
        occurred_at as held_at

    from funnel_events
    where event_type = 'meeting_held'

)

select * from final

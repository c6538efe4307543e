{#-
    The shared daily funnel facts every metric reads: one row per day, motion,
    channel, account segment, account region and event type. Built in one pass over the staged
    events, so adding a metric never adds a scan of the events. Meetings
    scheduled also carry the hours since the contact's latest demo request
    (speed to lead), summed so that the average stays exact at any grain.
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

events_with_lead_time as (

    select
        *,
        -- the latest demo request of the same contact at or before this event:
        -- a running max over time (portable where `ignore nulls` is not)
        max(case when event_type = 'demo_request' then occurred_at end) over (
            partition by contact_id
            order by occurred_at
            rows between unbounded preceding and current row
        ) as latest_demo_request_at

    from funnel_events

),

events_with_segment as (

    select
        events_with_lead_time.occurred_date,
        events_with_lead_time.motion,
        events_with_lead_time.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        events_with_lead_time.event_type,
        events_with_lead_time.account_id,
        events_with_lead_time.contact_id,
        events_with_lead_time.amount_usd,
        case
            when
                events_with_lead_time.event_type = 'meeting_scheduled'
                and events_with_lead_time.latest_demo_request_at is not null
                then {{ dbt.datediff(
                    'events_with_lead_time.latest_demo_request_at',
                    'events_with_lead_time.occurred_at',
                    'second',
                ) }} / 3600.0
        end as hours_since_demo_request

    from events_with_lead_time
    left join accounts
        on events_with_lead_time.account_id = accounts.account_id

),

aggregated as (

    select
        occurred_date as activity_date,
        motion,
        channel,
        segment,
        region,
        event_type,
        count(*) as event_count,
        count(distinct account_id) as distinct_accounts,
        count(distinct contact_id) as distinct_contacts,
        coalesce(sum(amount_usd), 0) as amount_usd,
        count(hours_since_demo_request) as lead_timed_events,
        coalesce(sum(hours_since_demo_request), 0) as hours_since_demo_request

    from events_with_segment
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        {{ kpi_tree.surrogate_key(
            ['activity_date', 'motion', 'channel', 'segment', 'region', 'event_type']
        ) }} as funnel_day_id,
        activity_date,
        motion,
        channel,
        segment,
        region,
        event_type,
        event_count,
        distinct_accounts,
        distinct_contacts,
        amount_usd,
        lead_timed_events,
        hours_since_demo_request

    from aggregated

)

select * from final

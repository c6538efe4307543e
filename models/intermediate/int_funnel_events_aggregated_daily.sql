{#-
    The shared daily funnel facts every metric reads: one row per day, motion,
    channel, account segment and event type. Built in one pass over the staged
    events, so adding a metric never adds a scan of the events.
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

events_with_segment as (

    select
        funnel_events.occurred_date,
        funnel_events.motion,
        funnel_events.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        funnel_events.event_type,
        funnel_events.account_id,
        funnel_events.contact_id,
        funnel_events.amount_usd

    from funnel_events
    left join accounts
        on funnel_events.account_id = accounts.account_id

),

aggregated as (

    select
        occurred_date as activity_date,
        motion,
        channel,
        segment,
        event_type,
        count(*) as event_count,
        count(distinct account_id) as distinct_accounts,
        count(distinct contact_id) as distinct_contacts,
        coalesce(sum(amount_usd), 0) as amount_usd

    from events_with_segment
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ kpi_tree.surrogate_key(
            ['activity_date', 'motion', 'channel', 'segment', 'event_type']
        ) }} as funnel_day_id,
        activity_date,
        motion,
        channel,
        segment,
        event_type,
        event_count,
        distinct_accounts,
        distinct_contacts,
        amount_usd

    from aggregated

)

select * from final

{#-
    The shared daily funnel facts every metric reads: one row per day, motion,
    channel, account segment, account region and event type. Built in one pass over
    the staged events, so adding a metric never adds a scan of the events. Meetings
    scheduled also carry the hours since the contact's latest demo request at or
    before them (speed to lead), summed so that the average stays exact at any grain.
    An opportunity's creation, qualification and close count once each, as
    int_opportunity_events_ranked decides (its other such events are left out).
    Incremental: a run deletes and rebuilds only the (day, motion, channel, segment,
    region, event type) groups a change since its last run touches
    (macros/staging/incremental_days.sql: funnel_groups_to_rebuild); a full refresh
    gives the same table.
    Speed to lead pairs each meeting with its contact's latest demo request by a
    running maximum over the contact's demo requests and meetings in time order (one
    sort, which spills to disk), not by joining every meeting with every earlier demo
    request of its contact and keeping the latest (out of DuckDB's 12GB at 100M events).
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_funnel_groups_to_rebuild() }}",
) }}
{#- the groups to rebuild are those of every version of a changed event: -#}
-- depends_on: {{ ref('base_marketing__funnel_events') }}
{%- set last_run = kpi_tree.last_run_with_same_accounts() %}

with

opportunity_events as (

    select * from {{ ref('int_opportunity_events_ranked') }}

),

all_funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

contact_requests_and_meetings as (

    {#- read apart from the events above, so that each CTE is read once (a CTE read
        twice is materialized by DuckDB and PostgreSQL) -#}
    select
        source_system,
        event_id,
        contact_id,
        occurred_at,
        event_type
    from {{ ref('stg_marketing__funnel_events') }}
    where
        event_type in ('demo_request', 'meeting_scheduled')
        and contact_id is not null

),

staged_funnel_events as (

    {#- on an incremental run, the events of the groups to rebuild only -#}
    select all_funnel_events.*
    from all_funnel_events
    {%- if last_run is not none %}
    left join accounts
        on all_funnel_events.account_id = accounts.account_id
    inner join (
        {{ kpi_tree.funnel_groups_to_rebuild(last_run) }}
    ) as groups_to_rebuild
        on
            all_funnel_events.occurred_date = groups_to_rebuild.activity_date
            and all_funnel_events.motion = groups_to_rebuild.motion
            and all_funnel_events.channel = groups_to_rebuild.channel
            and coalesce(accounts.segment, 'unknown') = groups_to_rebuild.segment
            and coalesce(accounts.region, 'unknown') = groups_to_rebuild.region
            and all_funnel_events.event_type = groups_to_rebuild.event_type
    {%- endif %}

),

accounts_fingerprint as (

    select ({{ kpi_tree.accounts_fingerprint_query() }}) as accounts_fingerprint

),

-- every event once, but an opportunity's events beyond the one that counts
funnel_events as (

    select staged_funnel_events.*
    from staged_funnel_events
    left join opportunity_events
        on
            staged_funnel_events.source_system = opportunity_events.source_system
            and staged_funnel_events.event_id = opportunity_events.event_id
    where opportunity_events.is_counted is null or opportunity_events.is_counted

),

latest_demo_requests as (

    {#- at each event of a contact, the latest demo request at or before it (a demo
        request at the same moment as a meeting comes first) -#}
    select
        source_system,
        event_id,
        event_type,
        max(case when event_type = 'demo_request' then occurred_at end) over (
            partition by contact_id
            order by occurred_at, case when event_type = 'demo_request' then 0 else 1 end
            rows between unbounded preceding and current row
        ) as latest_demo_request_at

    from contact_requests_and_meetings

),

lead_times as (

    {#- every meeting scheduled: lead_times is joined to the events rebuilt, so a
        meeting outside the groups to rebuild is computed and left unused -#}
    select
        source_system,
        event_id,
        latest_demo_request_at
    from latest_demo_requests
    where event_type = 'meeting_scheduled' and latest_demo_request_at is not null

),

events_with_segment as (

    select
        funnel_events.occurred_date,
        funnel_events.motion,
        funnel_events.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        funnel_events.event_type,
        funnel_events.account_id,
        funnel_events.contact_id,
        funnel_events.amount_usd,
        {#- a double on every engine (Spark would divide as a 6-decimal decimal) -#}
        cast({{ dbt.datediff(
            'lead_times.latest_demo_request_at', 'funnel_events.occurred_at', 'second'
        ) }} as {{ kpi_tree.type_double() }}) / 3600 as hours_since_demo_request

    from funnel_events
    left join accounts
        on funnel_events.account_id = accounts.account_id
    left join lead_times
        on
            funnel_events.source_system = lead_times.source_system
            and funnel_events.event_id = lead_times.event_id

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
        aggregated.activity_date,
        aggregated.motion,
        aggregated.channel,
        aggregated.segment,
        aggregated.region,
        aggregated.event_type,
        aggregated.event_count,
        aggregated.distinct_accounts,
        aggregated.distinct_contacts,
        aggregated.amount_usd,
        aggregated.lead_timed_events,
        aggregated.hours_since_demo_request,
        accounts_fingerprint.accounts_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at

    from aggregated
    cross join accounts_fingerprint

)

select * from final

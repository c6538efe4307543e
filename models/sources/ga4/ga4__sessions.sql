{#- GA4's sessions (user_pseudo_id, ga_session_id): when each started and ended, the
    person (user_id, else the CRM person whose email's SHA-256 is the hashed email
    parameter), the account the tag wrote, the traffic source of its first event that
    has one (mapped to a channel by seeds/ga4_channels.csv), and whether any event
    matched a rule of seeds/ga4_high_intent_rules.csv. -#}
{{ config(materialized="table") }}

with

events as (

    select * from {{ ref('stg_ga4__events') }}

),

traffic_events as (

    select * from {{ ref('stg_ga4__events') }}
    where coalesce(traffic_medium, traffic_source, traffic_campaign) is not null

),

high_intent_rules as (

    select * from {{ ref('ga4_high_intent_rules') }}

),

channel_map as (

    select
        lower(trim(medium)) as medium_key,
        channel

    from {{ ref('ga4_channels') }}

),

people_by_email as (
    {{ kpi_tree.ga4_people_by_email() }}
),

matched_events as (

    select
        events.session_id,
        events.user_pseudo_id,
        events.ga_session_id,
        events.event_at,
        events.user_id,
        events.hashed_email,
        events.account_id,
        max(case when high_intent_rules.rule is not null then 1 else 0 end)
            as matches_rule

    from events
    left join high_intent_rules
        on (
            high_intent_rules.event_name is null
            or events.event_name = high_intent_rules.event_name
        )
        and (
            high_intent_rules.page_path_prefix is null
            or events.page_path like high_intent_rules.page_path_prefix || '%'
        )
        and (
            high_intent_rules.min_engagement_msec is null
            or events.engagement_time_msec >= high_intent_rules.min_engagement_msec
        )
    group by 1, 2, 3, 4, 5, 6, 7

),

session_events as (

    select
        session_id,
        user_pseudo_id,
        ga_session_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as event_count,
        max(user_id) as user_id,
        max(hashed_email) as hashed_email,
        max(account_id) as account_id,
        max(matches_rule) = 1 as is_high_intent

    from matched_events
    group by 1, 2, 3

),

ranked_traffic as (

    select
        session_id,
        traffic_source,
        traffic_medium,
        traffic_campaign,
        row_number() over (
            partition by session_id
            order by event_timestamp, event_name
        ) as traffic_rank

    from traffic_events

),

sessions as (

    select
        session_events.*,
        ranked_traffic.traffic_source,
        ranked_traffic.traffic_medium,
        ranked_traffic.traffic_campaign

    from session_events
    left join ranked_traffic
        on
            session_events.session_id = ranked_traffic.session_id
            and ranked_traffic.traffic_rank = 1

),

final as (

    select
        sessions.session_id,
        sessions.user_pseudo_id,
        sessions.ga_session_id,
        sessions.started_at,
        sessions.ended_at,
        sessions.event_count,
        sessions.is_high_intent,
        sessions.user_id,
        sessions.hashed_email,
        coalesce(
            sessions.user_id,
            case when people_by_email.people = 1 then people_by_email.person_id end
        ) as contact_id,
        case
            when sessions.user_id is not null then 'user_id'
            when people_by_email.people = 1 then 'hashed_email'
            when people_by_email.people > 1 then 'ambiguous_hashed_email'
            else 'unmatched'
        end as match_rule,
        sessions.account_id,
        sessions.traffic_source,
        sessions.traffic_medium,
        sessions.traffic_campaign,
        channel_map.channel

    {#- a session without a medium is GA4's (direct) / (none) #}
    from sessions
    left join channel_map
        on lower(trim(coalesce(sessions.traffic_medium, '(none)'))) = channel_map.medium_key
    left join people_by_email
        on sessions.hashed_email = people_by_email.hashed_email

)

select * from final

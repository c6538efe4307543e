{#- Every funnel event GA4's sessions and events imply, and every one that could not
    become a contract row, with its reason: a high_intent_session per session a rule of
    seeds/ga4_high_intent_rules.csv matched (at its start), a demo_request per event
    seeds/ga4_demo_request_events.csv names (at the event), in its session's channel and
    campaign. Reasons: missing_session_id, unmatched_user (no user_id, and no CRM person
    with the hashed email), ambiguous_hashed_email, unmapped_medium (no row of
    seeds/ga4_channels.csv), missing_account_id (no account parameter in the session),
    excluded_by_motion_mapping (a form mapped to motion none). -#}
{{ config(materialized="table") }}

with

sessions as (

    select * from {{ ref('ga4__sessions') }}

),

events as (

    select * from {{ ref('stg_ga4__events') }}

),

demo_request_map as (

    select
        lower(trim(event_name)) as event_name_key,
        lower(trim(form_id)) as form_id_key,
        lower(trim(motion)) as motion

    from {{ ref('ga4_demo_request_events') }}

),

high_intent_sessions as (

    select
        session_id,
        ga_session_id,
        started_at as occurred_at,
        'high_intent_session' as event_type,
        'inbound' as motion,
        {{ dbt.concat(["'ga4:'", 'session_id']) }} as event_id

    from sessions
    where is_high_intent

),

demo_request_events as (

    select
        events.session_id,
        events.ga_session_id,
        events.event_at as occurred_at,
        'demo_request' as event_type,
        demo_request_map.motion,
        {{ dbt.concat(["'ga4:'", "events.session_id", "':'",
            dbt.cast("events.event_timestamp", api.Column.translate_type("string"))]) }}
            as event_id

    from events
    inner join demo_request_map
        on
            lower(trim(events.event_name)) = demo_request_map.event_name_key
            and lower(trim(events.form_id)) = demo_request_map.form_id_key

),

candidates as (

    select * from high_intent_sessions
    union all
    select * from demo_request_events

),

classified as (

    select
        candidates.event_id,
        candidates.occurred_at,
        sessions.account_id,
        sessions.contact_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        candidates.event_type,
        candidates.motion,
        sessions.channel,
        sessions.traffic_campaign as campaign,
        cast(null as {{ kpi_tree.type_double() }}) as amount,
        cast(null as {{ dbt.type_string() }}) as currency,
        'ga4' as source_system,
        {#- the session's last event: the export has it by then #}
        sessions.ended_at as ingested_at,
        candidates.session_id,
        sessions.match_rule,
        case
            when candidates.ga_session_id is null then 'missing_session_id'
            when candidates.motion = 'none' then 'excluded_by_motion_mapping'
            when sessions.match_rule = 'ambiguous_hashed_email' then 'ambiguous_hashed_email'
            when sessions.contact_id is null then 'unmatched_user'
            when sessions.channel is null then 'unmapped_medium'
            when sessions.account_id is null then 'missing_account_id'
        end as rejection_reason,
        coalesce(sessions.traffic_medium, '(none)') as medium

    from candidates
    left join sessions
        on candidates.session_id = sessions.session_id

),

final as (

    select
        *,
        case when rejection_reason = 'unmapped_medium' then 'medium' end as unmapped_field,
        case when rejection_reason = 'unmapped_medium' then medium end as unmapped_value

    from classified

)

select * from final

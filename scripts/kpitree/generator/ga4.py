"""GA4's event export (--web ga4): the contract's high-intent sessions and demo requests a
second time, as Google Analytics 4 events, under DIR/ga4/events/ (docs/raw_data.md, "GA4's
events").

Each valid high_intent_session row of funnel_events is a GA4 session of its contact's
browser (user_pseudo_id), ga_session_id the epoch second it started: session_start (the
traffic source, the account a reverse-IP tag wrote), a landing page_view, a page_view of
/pricing (the page seeds/ga4_high_intent_rules.csv names) and a user_engagement event later,
the last of them 20 to 600 seconds after the start (sessions that start late in the day span
midnight). Each valid demo_request row is a session of its own on /get-started with a
generate_lead event of the form `demo-request` (seeds/ga4_demo_request_events.csv). Users
carry their contact id as user_id, except one in ten of the people the CRM knows by email
(--crm), who carry only a hashed email parameter (sha256 of the lower-case email).

Two shapes: `bigquery_export` (event_timestamp in microseconds, event_params a list of
{key, value: {string_value, int_value, float_value, double_value}},
collected_traffic_source a struct; one file per month) and `flattened` (one text column per
parameter, `param_<key>`, event_timestamp as text, no user-level traffic source: sparse).

Planted, from their own random streams (the contract business does not move): non-high-
intent page_view sessions (noise, not funnel events), high-intent sessions of anonymous
users (no user_id, no email: `unmatched_user`), sessions from a medium no seed maps
(podcast: `unmapped_medium`), spam demo-request submissions of anonymous users
(`unmatched_user`; the CRM never makes them leads: the reconciliation shows them). Noise,
anonymous and spam sessions come from organic search, so GA4's paid sessions are the
contract's (ads.py writes Google's clicks as those sessions plus bounces).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpitree.generator.context import Context, sql_literal
from kpitree.generator.tables import RawTable

SHAPES = ("bigquery_export", "flattened")
HOST = "https://www.example.com"
# medium and source of each contract channel, as GA4 records the session's UTM parameters
MEDIUMS = {
    "paid_search": ("cpc", "google"),
    "seo": ("organic", "google"),
    "direct": ("(none)", "(direct)"),
    "email": ("email", "newsletter"),
    "events": ("event", "booth"),
    "content": ("content", "syndication"),
    "partner": ("referral", "partner"),
}
NOISE_EVERY = 2  # one non-high-intent session per this many high-intent ones (hash draw)
HASHED_EMAIL_SHARE = 0.1
ANONYMOUS_EVERY = 97  # every n-th session also has an anonymous high-intent twin
PODCAST_EVERY = 113  # every n-th session also has a twin from a podcast (no seed maps)
SPAM_EVERY = 11  # every n-th demo request also has a spam submission


def _contract_rows(ctx: Context, funnel_events: RawTable) -> None:
    """ga4_contract: the valid sessions and demo requests, as written (the CRM's ids)."""
    ctx.run(
        f"""
        create or replace table ga4_contract as
        select * from (select {funnel_events.select} from {funnel_events.rows} as r)
        where event_type in ('high_intent_session', 'demo_request')
        """
    )


def _known_emails(ctx: Context) -> str:
    """SQL: (contact_id, email) of the people the CRM written by --crm knows by email."""
    folder = ctx.o.output_dir / ctx.o.crm / "contact"
    files = sql_literal(str(folder / "*.parquet"))
    if ctx.o.crm == "salesforce":
        return (
            f"select id as contact_id, lower(trim(email)) as email from read_parquet({files}) "
            "where email is not null and not coalesce(is_deleted, false) "
            "and master_record_id is null"
        )
    if ctx.o.crm == "hubspot":
        return (
            f"select cast(id as varchar) as contact_id, lower(trim(property_email)) as email "
            f"from read_parquet({files}) where property_email is not null "
            "and not coalesce(_fivetran_deleted, false)"
        )
    return "select cast(null as varchar) as contact_id, cast(null as varchar) as email where false"


def create(ctx: Context, funnel_events: RawTable) -> None:
    """ga4_events: every event, one row each, in the BigQuery export's terms."""
    _contract_rows(ctx, funnel_events)
    mediums = ", ".join(
        f"({sql_literal(c)}, {sql_literal(m)}, {sql_literal(s)})" for c, (m, s) in MEDIUMS.items()
    )
    us = "(epoch_us(occurred_at))"
    ctx.run(
        f"""
        create or replace table ga4_sessions as
        with emails as ({_known_emails(ctx)}),
        known as (
            select contact_id, any_value(email) as email
            from emails group by 1 having count(distinct email) = 1
        ),
        rows as (
            select c.*, row_number() over (order by occurred_at, event_id) as n,
                known.email
            from ga4_contract as c left join known on c.contact_id = known.contact_id
        ),
        people as (
            select distinct contact_id, email from rows
        ),
        users as (
            select
                contact_id,
                cast(abs({ctx.h("contact_id", name="ga4_client")}) % 9000000000 + 1000000000
                    as varchar) || '.1700000000' as user_pseudo_id,
                case when email is not null
                    and {ctx.u("contact_id", name="ga4_hashed_email")} < {HASHED_EMAIL_SHARE}
                    then sha256(email) end as hashed_email
            from people
        ),
        contract_sessions as (
            select
                'contract' as kind, r.n, r.event_type, r.account_id, u.user_pseudo_id,
                case when u.hashed_email is null then r.contact_id end as user_id,
                u.hashed_email,
                case when r.event_type = 'demo_request' then {us} - 5000000 else {us} end
                    as start_us,
                m.medium, m.source, r.campaign
            from rows as r
            inner join users as u on r.contact_id = u.contact_id
            inner join (values {mediums}) as m(channel, medium, source) on r.channel = m.channel
        ),
        twins as (
            select 'anonymous' as kind, n, event_type, account_id,
                cast(abs({ctx.h("n", name="ga4_anonymous")}) % 9000000000 + 1000000000
                    as varchar) || '.1600000000' as user_pseudo_id,
                null as user_id, null as hashed_email, start_us + 3600000000 as start_us,
                'organic' as medium, 'google' as source, campaign
            from contract_sessions
            where event_type = 'high_intent_session' and n % {ANONYMOUS_EVERY} = 0
            union all
            select 'podcast', n, event_type, account_id, user_pseudo_id, user_id,
                hashed_email, start_us + 7200000000, 'podcast', 'spotify', campaign
            from contract_sessions
            where event_type = 'high_intent_session' and n % {PODCAST_EVERY} = 0
            union all
            select 'spam', n, event_type, null,
                cast(abs({ctx.h("n", name="ga4_spam")}) % 9000000000 + 1000000000
                    as varchar) || '.1500000000',
                null, null, start_us + 600000000, 'organic', 'google', campaign
            from contract_sessions
            where event_type = 'demo_request' and n % {SPAM_EVERY} = 0
            union all
            select 'noise', n, 'page_view', account_id, user_pseudo_id, user_id, hashed_email,
                start_us - 86400000000, 'organic', 'google', campaign
            from contract_sessions
            where event_type = 'high_intent_session'
                and {ctx.u("n", name="ga4_noise")} < {1 / NOISE_EVERY}
        )
        select
            *,
            start_us // 1000000 as ga_session_id,
            20000000 + cast({ctx.u("n", "kind", name="ga4_duration")} * 580000000 as bigint)
                as duration_us
        from (select * from contract_sessions union all select * from twins)
        """
    )
    ctx.run(
        f"""
        create or replace table ga4_events as
        with steps as (
            select * from (values
                (0, 'session_start', 0.0, '/', false),
                (1, 'page_view', 0.0, '/', false),
                (2, 'page_view', 0.3, '/pricing', true),
                (3, 'user_engagement', 1.0, '/pricing', true)
            ) as s(step, event_name, at_share, path, high_intent)
        ),
        demo_steps as (
            select * from (values
                (0, 'session_start', 0.0, '/get-started'),
                (1, 'page_view', 0.0, '/get-started'),
                (2, 'generate_lead', 1.0, '/get-started')
            ) as s(step, event_name, at_share, path)
        ),
        noise_steps as (
            select * from (values
                (0, 'session_start', 0.0, '/blog/kpi-trees'),
                (1, 'page_view', 0.0, '/blog/kpi-trees'),
                (2, 'user_engagement', 0.1, '/blog/kpi-trees')
            ) as s(step, event_name, at_share, path)
        ),
        events as (
            select s.*, st.step, st.event_name, st.path,
                s.start_us + cast(st.at_share * s.duration_us as bigint) as event_us
            from ga4_sessions as s cross join steps as st
            where s.event_type = 'high_intent_session'
            union all
            select s.*, st.step, st.event_name, st.path,
                s.start_us + cast(st.at_share * 5000000 as bigint)
            from ga4_sessions as s cross join demo_steps as st
            where s.event_type = 'demo_request'
            union all
            select s.*, st.step, st.event_name, st.path,
                s.start_us + cast(st.at_share * s.duration_us as bigint)
            from ga4_sessions as s cross join noise_steps as st
            where s.event_type = 'page_view'
        )
        select
            strftime(make_timestamp(event_us), '%Y%m%d') as event_date,
            event_us as event_timestamp,
            event_name,
            user_pseudo_id,
            user_id,
            ga_session_id,
            {sql_literal(HOST)} || path
                || case when step = 1 then '?utm_medium=' || medium || '&utm_campaign='
                    || campaign else '' end as page_location,
            case when event_name = 'user_engagement' then
                case when event_type = 'page_view' then 4000 else 45000 end
                + cast(duration_us // 1000 as bigint) end as engagement_time_msec,
            case when event_name = 'generate_lead' then 'demo-request' end as form_id,
            case when step <= 1 or event_name = 'generate_lead' then hashed_email end
                as hashed_email,
            case when step = 0 then account_id end as crm_account_id,
            case when step = 0 then source end as manual_source,
            case when step = 0 then medium end as manual_medium,
            case when step = 0 then campaign end as manual_campaign_name,
            kind
        from events
        """
    )


def _bigquery_select(where: str) -> str:
    def param(key: str, kind: str) -> str:
        value = {
            "string": f"{{'string_value': {key}, 'int_value': null::bigint, "
            "'float_value': null::double, 'double_value': null::double}",
            "int": f"{{'string_value': null::varchar, 'int_value': {key}, "
            "'float_value': null::double, 'double_value': null::double}",
        }[kind]
        return f"case when {key} is not null then {{'key': '{key}', 'value': {value}}} end"

    params = [
        param("ga_session_id", "int"),
        param("page_location", "string"),
        param("engagement_time_msec", "int"),
        param("form_id", "string"),
        param("hashed_email", "string"),
        param("crm_account_id", "string"),
    ]
    return f"""
        select
            event_date, event_timestamp, event_name, user_pseudo_id, user_id,
            list_filter([{", ".join(params)}], lambda p: p is not null) as event_params,
            case when manual_medium is not null then {{'manual_campaign_name':
                manual_campaign_name, 'manual_source': manual_source, 'manual_medium':
                manual_medium}} end as collected_traffic_source,
            {{'name': '(direct)', 'medium': '(none)', 'source': '(direct)'}} as traffic_source
        from ga4_events
        where {where}
        order by event_timestamp, user_pseudo_id, event_name
    """


def _flattened_select() -> str:
    return """
        select
            event_date, cast(event_timestamp as varchar) as event_timestamp, event_name,
            user_pseudo_id, user_id, ga_session_id as param_ga_session_id,
            page_location as param_page_location,
            cast(engagement_time_msec as varchar) as param_engagement_time_msec,
            form_id as param_form_id, hashed_email as param_hashed_email,
            crm_account_id as param_crm_account_id,
            manual_source as collected_traffic_source_manual_source,
            manual_medium as collected_traffic_source_manual_medium,
            manual_campaign_name as collected_traffic_source_manual_campaign_name
        from ga4_events
        order by event_timestamp, user_pseudo_id, event_name
    """


def write(ctx: Context, funnel_events: RawTable) -> dict[str, Any]:
    """Write GA4's events when --web ga4 is given (before bad rows are injected into
    funnel_events); returns the report's `web` section, or {}."""
    if ctx.o.web != "ga4":
        return {}
    create(ctx, funnel_events)
    folder = ctx.o.output_dir / "ga4" / "events"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    if ctx.o.ga4_shape == "flattened":
        path = folder / "part-0000.parquet"
        ctx.run(f"copy ({_flattened_select()}) to {sql_literal(str(path))} (format parquet)")
    else:
        # the export's shards, one file a month (the BigQuery wildcard events_* unions them)
        months = [
            row[0]
            for row in ctx.con.execute(
                "select distinct left(event_date, 6) from ga4_events order by 1"
            ).fetchall()
        ]
        for month in months:
            path = folder / f"events_{month}.parquet"
            select = _bigquery_select(f"left(event_date, 6) = '{month}'")
            ctx.run(f"copy ({select}) to {sql_literal(str(path))} (format parquet)")
    return {
        "shape": ctx.o.ga4_shape,
        "rows": {"events": int(ctx.scalar("select count(*) from ga4_events"))},
        "planted": planted(ctx, folder),
        "high_intent_sessions_by_identity": identities(ctx),
    }


def identities(ctx: Context) -> dict[str, int]:
    """The high-intent sessions written (twins included) by how their person is known:
    user_id, hashed_email (the CRM knows the email), unmatched (neither)."""
    rows = ctx.con.execute(
        """
        select
            case when user_id is not null then 'user_id'
                when hashed_email is not null then 'hashed_email'
                else 'unmatched' end,
            count(*)
        from ga4_sessions where event_type = 'high_intent_session' group by 1
        """
    ).fetchall()
    return {str(rule): int(count) for rule, count in rows}


def planted(ctx: Context, folder: Path) -> dict[str, int]:
    """What the connector must quarantine, and what it must read but not count, counted in
    ga4_sessions (the events written)."""
    del folder

    def sessions(where: str) -> int:
        return int(ctx.scalar(f"select count(*) from ga4_sessions where {where}"))

    return {
        "unmatched_user": sessions("kind in ('anonymous', 'spam')"),
        "unmapped_medium": sessions("kind = 'podcast'"),
        "non_high_intent_sessions": sessions("kind = 'noise'"),
        "spam_form_submissions": sessions("kind = 'spam'"),
        "sessions_spanning_midnight": sessions(
            "event_type = 'high_intent_session' and "
            "(start_us + duration_us) // 86400000000 > start_us // 86400000000"
        ),
    }


__all__ = ["SHAPES", "identities", "planted", "write"]

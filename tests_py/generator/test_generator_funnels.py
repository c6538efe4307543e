"""Each motion's funnel: its stages, planned rates and lags, and how the tables connect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from raw_contract import TABLES, connect, scalar

# (motion, from stage, to stage) -> the range the measured period ratio must fall in
# (the plan: kpitree/generator/plan.py FUNNELS, docs/raw_data.md).
RATES: dict[tuple[str, str, str], tuple[float, float]] = {
    ("inbound", "high_intent_session", "demo_request"): (0.020, 0.028),
    ("inbound", "demo_request", "meeting_scheduled"): (0.28, 0.32),
    ("inbound", "meeting_scheduled", "meeting_held"): (0.77, 0.83),
    ("inbound", "meeting_held", "opportunity_created"): (0.46, 0.54),
    ("abm", "meeting_scheduled", "meeting_held"): (0.80, 0.89),
    ("abm", "meeting_held", "opportunity_created"): (0.43, 0.57),
    ("partner", "meeting_scheduled", "meeting_held"): (0.80, 0.89),
    ("partner", "meeting_held", "opportunity_created"): (0.48, 0.62),
}
QUALIFY = {"inbound": 0.70, "abm": 0.75, "partner": 0.75, "product_led": 0.70}
WIN = {"inbound": 0.28, "abm": 0.33, "partner": 0.32, "product_led": 0.35}
# Days from opportunity_qualified to closed_won: ABM takes months, product-led days.
WON_LAG = {"inbound": (30, 91), "abm": (90, 241), "partner": (45, 121), "product_led": (14, 46)}


def counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    found = con.execute(
        "select motion, event_type, count(*) from clean_funnel_events group by 1, 2"
    ).fetchall()
    return {(motion, event_type): n for motion, event_type, n in found}


def test_every_motion_converts_at_its_planned_rates(default_size: Path) -> None:
    con = connect(default_size)
    n = counts(con)
    for (motion, source, target), (low, high) in RATES.items():
        rate = n[(motion, target)] / n[(motion, source)]
        assert low <= rate <= high, (motion, source, target, rate)
    for motion, planned in QUALIFY.items():
        rate = n[(motion, "opportunity_qualified")] / n[(motion, "opportunity_created")]
        assert rate == pytest.approx(planned, abs=0.05), (motion, rate)
    for motion, planned in WIN.items():
        won, lost = n[(motion, "closed_won")], n[(motion, "closed_lost")]
        assert won / (won + lost) == pytest.approx(planned, abs=0.04), motion
        assert 0.25 <= won / (won + lost) <= 0.36  # the seeds' win rate benchmark
    # each motion enters the chain at its own stage
    assert {m for m, t in n if t == "high_intent_session"} == {"inbound"}
    assert {m for m, t in n if t == "demo_request"} == {"inbound"}
    assert {m for m, t in n if t == "meeting_scheduled"} == {"inbound", "abm", "partner"}
    assert {m for m, t in n if t == "opportunity_created"} == {
        "inbound",
        "abm",
        "partner",
        "product_led",
    }


def lag_days(con: duckdb.DuckDBPyConnection, motion: str, source: str, target: str) -> Any:
    """(min, mean, max) days between two stages of the same opportunity."""
    return con.execute(
        f"""
        select
            min(epoch(b.occurred_at - a.occurred_at)) / 86400,
            avg(epoch(b.occurred_at - a.occurred_at)) / 86400,
            max(epoch(b.occurred_at - a.occurred_at)) / 86400
        from clean_funnel_events as a
        inner join clean_funnel_events as b on a.opportunity_id = b.opportunity_id
        where a.motion = '{motion}' and a.event_type = '{source}' and b.event_type = '{target}'
        """
    ).fetchone()


def test_opportunity_lags_follow_each_motion(default_size: Path) -> None:
    con = connect(default_size)
    for motion, (low, high) in WON_LAG.items():
        first, mean, last = lag_days(con, motion, "opportunity_qualified", "closed_won")
        assert low - 1 <= first and last <= high + 1, (motion, first, last)
        assert mean == pytest.approx((low + high - 1) / 2, rel=0.15), (motion, mean)
    abm = lag_days(con, "abm", "opportunity_created", "closed_won")[1]
    product_led = lag_days(con, "product_led", "opportunity_created", "closed_won")[1]
    assert abm > 4 * product_led  # ABM conversions take months, product-led days


def journey_lags(con: duckdb.DuckDBPyConnection, motion: str, source: str, target: str) -> Any:
    """(min, median, max) days between two stages of journeys with one event of each.

    Stages before the opportunity share the journey's motion, campaign, account and contact.
    """
    return con.execute(
        f"""
        with single as (
            select * from clean_funnel_events
            where motion = '{motion}' and event_type in ('{source}', '{target}')
            qualify count(*) over (
                partition by campaign, account_id, contact_id, event_type
            ) = 1
        )
        select
            min(epoch(b.occurred_at - a.occurred_at)) / 86400,
            median(epoch(b.occurred_at - a.occurred_at)) / 86400,
            max(epoch(b.occurred_at - a.occurred_at)) / 86400
        from single as a
        inner join single as b using (campaign, account_id, contact_id)
        where a.event_type = '{source}' and b.event_type = '{target}'
            and b.occurred_at >= a.occurred_at
        """
    ).fetchone()


def test_stage_lags_before_the_opportunity(default_size: Path) -> None:
    con = connect(default_size)
    first, median, last = journey_lags(con, "inbound", "demo_request", "meeting_scheduled")
    assert median < 1 and last < 5  # speed to lead: half the same day, all within 4 days
    first, median, last = journey_lags(con, "inbound", "meeting_scheduled", "meeting_held")
    assert first >= 1 and 4 <= median <= 8 and last <= 13
    first, median, last = journey_lags(con, "abm", "meeting_held", "opportunity_created")
    assert first >= 6 and 20 <= median <= 32 and last <= 46
    first, median, last = journey_lags(con, "inbound", "meeting_held", "opportunity_created")
    assert first >= 0 and 5 <= median <= 10 and last <= 15


def test_abm_engagement_is_mostly_on_target_accounts(default_size: Path) -> None:
    con = connect(default_size)
    on_target = scalar(
        con,
        """
        select avg(a.is_target_account::integer)
        from clean_account_engagement as e inner join clean_accounts as a using (account_id)
        """,
    )
    assert 0.80 <= on_target <= 0.92  # some on other accounts: "target accounts only" matters
    assert (
        scalar(
            con,
            "select count(*) from clean_account_engagement "
            "where (contact_id is null) <> (engagement_type = 'intent_signal')",
        )
        == 0
    )
    # ABM meetings are with target accounts that engaged 14-60 days (+ an episode) before
    found = con.execute(
        """
        with meetings as (
            select e.account_id, e.occurred_at, a.is_target_account
            from clean_funnel_events as e inner join clean_accounts as a using (account_id)
            where e.motion = 'abm' and e.event_type = 'meeting_scheduled'
        )
        select
            count(*),
            count(*) filter (where not is_target_account),
            count(*) filter (where not exists (
                select 1 from clean_account_engagement as g
                where g.account_id = m.account_id
                    and g.occurred_at between m.occurred_at - interval 61 day
                        and m.occurred_at - interval 13 day
            ))
        from meetings as m
        """
    ).fetchone()
    assert found[0] > 500 and found[1] == 0 and found[2] == 0


def test_partner_meetings_follow_an_accepted_registration(default_size: Path) -> None:
    con = connect(default_size)
    decided = dict(
        con.execute(
            "select status, count(*) from clean_partner_registrations group by 1"
        ).fetchall()
    )
    assert decided["accepted"] / (decided["accepted"] + decided["rejected"]) == pytest.approx(
        0.70, abs=0.03
    )
    assert decided["pending"] > 0
    assert (
        scalar(
            con,
            "select count(*) from clean_partner_registrations "
            "where (decided_at is null) <> (status = 'pending') or decided_at < registered_at",
        )
        == 0
    )
    orphans = scalar(
        con,
        """
        select count(*) from clean_funnel_events as e
        where e.motion = 'partner' and not exists (
            select 1 from clean_partner_registrations as r
            where r.account_id = e.account_id and r.status = 'accepted'
                and r.decided_at <= e.occurred_at
        )
        """,
    )
    assert orphans == 0
    assert scalar(con, "select count(distinct partner_id) from clean_partner_registrations") > 10


def test_product_led_funnel_runs_from_sign_up_to_opportunity(default_size: Path) -> None:
    con = connect(default_size)
    n = dict(
        con.execute("select event_type, count(*) from clean_product_events group by 1").fetchall()
    )
    assert n["activation"] / n["signup"] == pytest.approx(0.35, abs=0.02)
    assert n["product_qualified_account"] / n["activation"] == pytest.approx(0.25, abs=0.02)
    opportunities = scalar(
        con,
        "select count(*) from clean_funnel_events "
        "where motion = 'product_led' and event_type = 'opportunity_created'",
    )
    assert opportunities / n["product_qualified_account"] == pytest.approx(0.40, abs=0.03)
    # activation days after sign-up (most within 3 days), same user
    within, mean, last = con.execute(
        """
        select
            avg((epoch(b.occurred_at - a.occurred_at) < 3 * 86400)::integer),
            avg(epoch(b.occurred_at - a.occurred_at)) / 86400,
            max(epoch(b.occurred_at - a.occurred_at)) / 86400
        from clean_product_events as a
        inner join clean_product_events as b using (user_id)
        where a.event_type = 'signup' and b.event_type = 'activation'
        """
    ).fetchone()
    assert within > 0.6 and mean < 4 and last < 15
    # every product-led opportunity follows a product-qualified account 1-7 days before
    orphans = scalar(
        con,
        """
        select count(*) from clean_funnel_events as e
        where e.motion = 'product_led' and e.event_type = 'opportunity_created'
            and not exists (
                select 1 from clean_product_events as p
                where p.account_id = e.account_id
                    and p.event_type = 'product_qualified_account'
                    and p.occurred_at between e.occurred_at - interval 8 day and e.occurred_at
            )
        """,
    )
    assert orphans == 0


def test_meeting_attendees_belong_to_meetings_and_name_personas(default_size: Path) -> None:
    con = connect(default_size)
    orphans = scalar(
        con,
        """
        select count(*) from clean_meeting_attendees as a
        left join clean_funnel_events as e on a.meeting_event_id = e.event_id
        where e.event_type is null
            or e.event_type not in ('meeting_scheduled', 'meeting_held')
            or e.account_id <> a.account_id
        """,
    )
    assert orphans == 0
    without = scalar(
        con,
        """
        select count(*) from clean_funnel_events as e
        where e.event_type in ('meeting_scheduled', 'meeting_held')
            and not exists (
                select 1 from clean_meeting_attendees as a where a.meeting_event_id = e.event_id
            )
        """,
    )
    assert without == 0
    key_share = dict(
        con.execute(
            """
            select e.motion, avg(a.has_key::integer)
            from clean_funnel_events as e
            inner join (
                select meeting_event_id,
                    bool_or(persona in ('economic_buyer', 'champion')) as has_key
                from clean_meeting_attendees group by 1
            ) as a on a.meeting_event_id = e.event_id
            where e.event_type = 'meeting_held'
            group by 1
            """
        ).fetchall()
    )
    assert key_share["abm"] > key_share["inbound"]
    assert 0.6 <= key_share["abm"] <= 0.85


def test_valid_rows_reference_known_accounts_and_keep_their_journey(small: Path) -> None:
    con = connect(small)
    for table in TABLES:
        if table in ("accounts", "ad_spend"):
            continue
        orphans = scalar(
            con,
            f"select count(*) from clean_{table} "
            "where account_id not in (select account_id from clean_accounts)",
        )
        assert orphans == 0, table
    journeys = scalar(
        con,
        """
        select count(*) from (
            select opportunity_id from clean_funnel_events where opportunity_id is not null
            group by 1
            having count(distinct (account_id, contact_id, motion, channel, campaign)) > 1
        )
        """,
    )
    assert journeys == 0
    checks = {
        "opportunity_id only on opportunity events": """
            (opportunity_id is not null) <> (event_type in ('opportunity_created',
                'opportunity_qualified', 'closed_won', 'closed_lost'))""",
        "amount only on created, qualified and won": """
            (amount is not null) <> (event_type in ('opportunity_created',
                'opportunity_qualified', 'closed_won'))""",
        "currency with amount": "(currency is not null) <> (amount is not null)",
        "source system": """source_system <> case event_type
            when 'high_intent_session' then 'web_analytics'
            when 'demo_request' then 'marketing_automation' else 'crm' end""",
        "id formats": """not (event_id like 'evt_%' and account_id like 'acc_%'
            and contact_id like 'ctc_%' and coalesce(opportunity_id, 'opp_') like 'opp_%')""",
        "campaign names motion and channel": "not starts_with(campaign, motion || '_' || channel)",
    }
    for name, violation in checks.items():
        assert scalar(con, f"select count(*) from clean_funnel_events where {violation}") == 0, name
    segments = con.execute(
        "select is_target_account, segment, count(*) from clean_accounts group by 1, 2"
    ).fetchall()
    assert len(segments) == 6  # every segment among target and other accounts
    regions = {r[0] for r in con.execute("select distinct region from clean_accounts").fetchall()}
    assert regions == {"na", "emea", "apac", "latam"}


def test_ad_spend_covers_every_motion_and_paid_channel(small: Path) -> None:
    con = connect(small)
    pairs = set(con.execute("select distinct motion, channel from clean_ad_spend").fetchall())
    assert {m for m, _ in pairs} == {"inbound", "abm", "partner", "product_led"}
    assert ("product_led", "content") in pairs and ("inbound", "events") in pairs
    days = scalar(con, "select count(distinct spend_date) from clean_ad_spend")
    assert days == 684  # every day of 2025-01-01 .. 2026-11-15
    assert scalar(con, "select count(*) from clean_ad_spend where spend <= 0") == 0

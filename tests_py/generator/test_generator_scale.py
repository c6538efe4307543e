"""--events sets the valid funnel events; every table scales with it; dates and growth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from raw_contract import TABLES, Generate, connect, report, scalar

# Tables whose rows grow with the number of events (ad_spend has a row per day and paid
# campaign: its spend grows instead; accounts are one per 40 events).
SCALING = (
    "funnel_events",
    "account_engagement",
    "meeting_attendees",
    "partner_registrations",
    "product_events",
    "touches",
    "subscriptions",
    "subscription_changes",
)


@pytest.mark.parametrize("events", [20_000, 80_000])
def test_valid_funnel_events_meet_the_request(generate: Generate, events: int) -> None:
    raw = generate(events)
    con = connect(raw)
    valid = scalar(con, "select count(*) from clean_funnel_events")
    assert abs(valid - events) <= 0.02 * events
    assert report(raw)["valid_events"] == valid
    assert scalar(con, "select count(*) from clean_accounts") == max(200, round(events / 40))


def test_the_default_size_meets_the_request_within_one_percent(default_size: Path) -> None:
    valid = report(default_size)["valid_events"]
    assert abs(valid - 1_000_000) <= 10_000


def test_every_table_scales_with_events(generate: Generate) -> None:
    low, high = connect(generate(100_000)), connect(generate(400_000))
    for table in SCALING:
        ratio = scalar(high, f"select count(*) from clean_{table}") / scalar(
            low, f"select count(*) from clean_{table}"
        )
        assert 3.3 <= ratio <= 4.7, (table, ratio)
    spend = scalar(high, "select sum(spend) from clean_ad_spend") / scalar(
        low, "select sum(spend) from clean_ad_spend"
    )
    assert spend == pytest.approx(4, rel=0.02)


def test_nothing_happens_outside_the_date_range(generate: Generate) -> None:
    raw = generate(20_000, 42, "--start-date", "2026-03-01", "--end-date", "2026-03-31")
    con = connect(raw)
    low, high = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    timed = {
        "funnel_events": "occurred_at",
        "account_engagement": "occurred_at",
        "product_events": "occurred_at",
        "partner_registrations": "registered_at",
        "touches": "touched_at",
    }
    for table, column in timed.items():
        first, last = con.execute(f"select min({column}), max({column}) from {table}").fetchone()
        assert first >= low and last < high, table
    assert scalar(con, "select max(decided_at) from partner_registrations") < high
    dated = {
        "ad_spend": "spend_date",
        "subscription_changes": "effective_on",
        "account_health": "flagged_on",
    }
    for table, column in dated.items():
        first, last = con.execute(f"select min({column}), max({column}) from {table}").fetchone()
        if first is not None:  # a month of a small run may have no flag
            assert dt.date(2026, 3, 1) <= first and last <= dt.date(2026, 3, 31), table
    # only customers who predate the data started before it
    assert (
        scalar(
            con,
            "select count(*) from subscriptions "
            "where started_on < date '2026-03-01' and opportunity_id is not null",
        )
        == 0
    )


def test_the_default_range_is_two_years_with_growth_and_seasonality(default_size: Path) -> None:
    con = connect(default_size)
    first, last = con.execute(
        "select min(occurred_at)::date, max(occurred_at)::date from clean_funnel_events"
    ).fetchone()
    assert first == dt.date(2025, 1, 1) and last == dt.date(2026, 11, 15)
    per_month = dict(
        con.execute(
            """
            select strftime(occurred_at, '%Y-%m'), count(*) from clean_funnel_events
            where event_type = 'high_intent_session' group by 1
            """
        ).fetchall()
    )
    for month in range(1, 11):  # months differ in their weekdays: within 5%
        growth = per_month[f"2026-{month:02d}"] / per_month[f"2025-{month:02d}"]
        assert growth == pytest.approx(1.25, abs=0.05), (month, growth)
    year_to_date = [sum(per_month[f"{y}-{m:02d}"] for m in range(1, 11)) for y in (2025, 2026)]
    assert year_to_date[1] / year_to_date[0] == pytest.approx(1.25, abs=0.01)
    assert per_month["2026-08"] < 0.85 * per_month["2026-05"]  # summer dip
    assert per_month["2026-10"] > 1.1 * per_month["2026-05"]  # Q4 push
    assert per_month["2026-01"] < 0.85 * per_month["2026-03"]  # slow January
    weekday = dict(
        con.execute(
            "select isodow(occurred_at) > 5, count(*) / count(distinct occurred_at::date) "
            "from clean_funnel_events where event_type = 'high_intent_session' group by 1"
        ).fetchall()
    )
    assert weekday[True] < 0.6 * weekday[False]


def test_every_table_has_rows(small: Path) -> None:
    con = connect(small)
    for table in TABLES:
        assert scalar(con, f"select count(*) from clean_{table}") > 0, table

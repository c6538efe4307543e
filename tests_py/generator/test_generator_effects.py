"""The injected effects: the inbound show-rate leak and the ABM engagement drop."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path

import duckdb
from raw_contract import connect, report

LEAK_WEEKS = (dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 19))
FLAT_BAND = 0.02  # the tree's trend band: a smaller change is flat, not a decline


def weekly_show_rates(con: duckdb.DuckDBPyConnection, where: str) -> dict[dt.date, float]:
    """Inbound meetings held / meetings scheduled per ISO week, for the meetings matching."""
    rows = con.execute(
        f"""
        select
            date_trunc('week', e.occurred_at)::date as week,
            count(*) filter (where e.event_type = 'meeting_held') as held,
            count(*) filter (where e.event_type = 'meeting_scheduled') as scheduled
        from clean_funnel_events as e
        inner join clean_accounts as a using (account_id)
        where e.motion = 'inbound' and ({where})
        group by 1
        """
    ).fetchall()
    return {week: held / scheduled for week, held, scheduled in rows if scheduled}


def test_the_leak_hits_enterprise_accounts_sourced_by_events_only(default_size: Path) -> None:
    con = connect(default_size)
    cell = "a.segment = 'enterprise' and e.channel = 'events'"
    leaking = weekly_show_rates(con, cell)
    others = weekly_show_rates(con, f"not ({cell})")
    before = [LEAK_WEEKS[0] - dt.timedelta(weeks=k) for k in range(1, 9)]
    after = [LEAK_WEEKS[-1] + dt.timedelta(weeks=k) for k in range(1, 4)]
    baseline = sum(leaking[w] for w in before) / len(before)
    assert 0.7 <= baseline <= 0.9
    assert [round(leaking[w], 2) for w in LEAK_WEEKS] < [0.6, 0.45, 0.3]
    assert leaking[LEAK_WEEKS[2]] < leaking[LEAK_WEEKS[0]]
    assert sum(leaking[w] for w in after) / len(after) > 0.65  # recovered
    # every other segment x channel keeps its rate, week by week
    for week in [*before, *LEAK_WEEKS, *after]:
        assert 0.74 <= others[week] <= 0.86, (week, others[week])


def test_the_leak_shows_in_the_inbound_total_as_straight_weekly_declines(
    default_size: Path,
) -> None:
    con = connect(default_size)
    total = weekly_show_rates(con, "true")
    series = [total[LEAK_WEEKS[0] - dt.timedelta(weeks=1)]] + [total[w] for w in LEAK_WEEKS]
    declines = [later < earlier * (1 - FLAT_BAND) for earlier, later in itertools.pairwise(series)]
    assert declines == [True, True, True], series
    assert total[LEAK_WEEKS[-1] + dt.timedelta(weeks=1)] > 0.77  # and recovers
    steady = [r for w, r in total.items() if dt.date(2025, 3, 1) <= w < dt.date(2026, 10, 1)]
    assert min(steady) > 0.75 and max(steady) < 0.85, (min(steady), max(steady))


def lmdi_effects(con: duckdb.DuckDBPyConnection) -> list[tuple[float, str, str, str]]:
    """Each stage x segment x channel's effect (USD) on October 2026 inbound pipeline.

    Pipeline (qualified amount) per segment x channel = sessions x landing conversion x
    scheduling rate x show rate x opportunity rate x qualification rate x average value;
    the target is October 2025 grown 25%. Driver i's effect is L(P, P_target) x
    ln(x_i / x_i,target) (LMDI), each in the same period, as the tree computes it.
    """
    stages = [
        "high_intent_session", "demo_request", "meeting_scheduled", "meeting_held",
        "opportunity_created", "opportunity_qualified",
    ]  # fmt: skip
    rows = con.execute(
        """
        select year(occurred_at), a.segment, e.channel, e.event_type, count(*), sum(e.amount)
        from clean_funnel_events as e inner join clean_accounts as a using (account_id)
        where e.motion = 'inbound' and month(e.occurred_at) = 10
        group by all
        """
    ).fetchall()
    found = {(y, s, c, t): (n, amount or 0.0) for y, s, c, t, n, amount in rows}
    effects = []
    for segment, channel in {(s, c) for _, s, c, _ in found}:
        drivers = {}
        for year in (2025, 2026):
            n = [found.get((year, segment, channel, t), (0, 0.0))[0] for t in stages]
            if 0 in n:
                break
            amount = found[(year, segment, channel, "opportunity_qualified")][1]
            x = {"sessions": n[0] * (1.25 if year == 2025 else 1.0)}
            x |= {stages[i]: n[i] / n[i - 1] for i in range(1, len(stages))}
            x["average_value"] = amount / n[-1]
            drivers[year] = x
        if len(drivers) < 2:
            continue
        actual, target = math.prod(drivers[2026].values()), math.prod(drivers[2025].values())
        weight = (actual - target) / math.log(actual / target) if actual != target else actual
        for name in drivers[2026]:
            effect = weight * math.log(drivers[2026][name] / drivers[2025][name])
            effects.append((effect, name, segment, channel))
    return sorted(effects, key=lambda e: -abs(e[0]))


def test_the_leak_is_the_largest_stage_segment_channel_effect_in_october(
    default_size: Path,
) -> None:
    effects = lmdi_effects(connect(default_size))
    effect, stage, segment, channel = effects[0]
    assert (stage, segment, channel) == ("meeting_held", "enterprise", "events"), effects[:3]
    assert effect < 0
    assert abs(effect) > 1.5 * abs(effects[1][0]), effects[:3]


def test_abm_engaged_target_accounts_drop_in_september_and_october(default_size: Path) -> None:
    con = connect(default_size)
    rows = con.execute(
        """
        select
            year(e.occurred_at), month(e.occurred_at),
            count(distinct e.account_id) filter (where a.is_target_account),
            count(distinct e.account_id) filter (where not a.is_target_account)
        from clean_account_engagement as e inner join clean_accounts as a using (account_id)
        group by 1, 2
        """
    ).fetchall()
    target = {(y, m): t for y, m, t, _ in rows}
    other = {(y, m): o for y, m, _, o in rows}
    for month in (5, 6, 7, 8):  # before: engaged target accounts grow year over year
        assert target[(2026, month)] > 1.1 * target[(2025, month)], month
    for month in (9, 10):  # the drop: below the same month last year
        assert target[(2026, month)] < 0.97 * target[(2025, month)], month
        assert other[(2026, month)] > 1.05 * other[(2025, month)], month  # others unaffected
    meetings = dict(
        con.execute(
            """
            select year(occurred_at), count(*) from clean_funnel_events
            where motion = 'abm' and event_type = 'meeting_scheduled'
                and month(occurred_at) in (10, 11) and day(occurred_at) <= 15
            group by 1
            """
        ).fetchall()
    )
    assert meetings[2026] < meetings[2025] * 1.05  # meetings follow 2-8 weeks later


def test_the_report_describes_each_effect(default_size: Path) -> None:
    effects = {e["name"]: e for e in report(default_size)["effects"]}
    leak = effects["inbound_show_rate_leak"]
    assert leak["segment"] == "enterprise" and leak["channel"] == "events"
    assert leak["weeks"] == [w.isoformat() for w in LEAK_WEEKS]
    assert leak["planned_show_rate"] == [0.5, 0.35, 0.2] and leak["baseline_show_rate"] == 0.8
    measured = {w["week"]: w for w in leak["measured_weekly_show_rate"]}
    assert measured["2026-10-19"]["leak_cell"] < 0.35
    abm = effects["abm_engagement_drop"]
    assert (abm["first_day"], abm["last_day"], abm["planned_drop"]) == (
        "2026-09-07",
        "2026-10-25",
        0.5,
    )
    assert len(abm["measured_engaged_target_accounts"]) >= 4

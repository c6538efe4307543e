"""Generate deterministic synthetic raw data for the KPI tree demo (a demo-led B2B SaaS).

Writes three raw tables as parquet plus a JSON report:

    DIR/funnel_events/part-0000.parquet   one row per funnel event (plus injected bad rows)
    DIR/ad_spend/part-0000.parquet        one row per day x paid campaign
    DIR/accounts/part-0000.parquet        one row per account
    DIR/generation_report.json            exact counts, computed from the written files

Usage:

    python scripts/generate_demo_data.py                       # 1M events into data/raw
    python scripts/generate_demo_data.py --events 10000000 --seed 7 --output-dir /tmp/raw

The funnel per journey is high_intent_session -> demo_request -> meeting_scheduled ->
meeting_held -> opportunity_created -> opportunity_qualified -> closed_won | closed_lost, for
three motions (inbound, abm, partner) with weekday and seasonal traffic. Nothing happens before
--start-date or after --end-date. In the ISO weeks starting 2026-10-05, 10-12 and 10-19 the
meeting show rate falls three weeks in a row (the "leak" the KPI tree must find), then recovers.

How the randomness works: everything is computed in DuckDB SQL, vectorised (Python only
builds the ~1,000-row day x motion plan). Attributes that only need to look random (times of
day, campaigns, accounts, amounts, lags) come from hash(seed, id, k) mapped to [0, 1); nothing
uses random(), so the output is byte-for-byte the same for a seed whatever the thread count.
Stage conversions are stratified rather than independent coin flips, so small volumes still
show the planned rates: the n-th row of a partition converts when frac(n * alpha + offset) <
rate, alpha irrational (a Weyl sequence), offset a hash of seed and partition. Sessions convert
to demo requests per (day, motion); later stages are ranked in time order per motion, which
spreads both the conversions and the lags evenly over time. The meeting held rate, a ratio of
two cohorts (held this week / scheduled this week), is set per (week, motion): a week holds
round(show rate x meetings scheduled that week) of the meetings that fall in it, so the weekly
ratio tracks the planned show rate and the leak stands out.

Bad rows, extra to the valid events, each with exactly one defect: duplicate (a valid event
re-sent: same event_id and content, ingested_at 1-72 hours later; not invalid, downstream keeps
the latest), missing_event_id, missing_account_id, unknown_event_type, negative_amount,
occurred_after_ingestion (ingested_at 1-30 days before occurred_at). Each class is
--bad-row-share of the valid events (duplicates 2.5x), except negative_amount, which is that
share of the rows that carry an amount (opportunity_created, opportunity_qualified and
closed_won).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

KNOWN_EVENT_TYPES: tuple[str, ...] = (
    "high_intent_session",
    "demo_request",
    "meeting_scheduled",
    "meeting_held",
    "opportunity_created",
    "opportunity_qualified",
    "closed_won",
    "closed_lost",
)
UNKNOWN_EVENT_TYPES: tuple[str, ...] = ("webinar_registration", "chat_started", "content_download")
BAD_ROW_CLASSES: tuple[str, ...] = (
    "duplicate",
    "missing_event_id",
    "missing_account_id",
    "unknown_event_type",
    "negative_amount",
    "occurred_after_ingestion",
)
DUPLICATE_SHARE_FACTOR = 2.5

# The injected leak: the meeting show rate of inbound meetings (other motions scale alike) in
# the ISO weeks starting on these Mondays, against a baseline of BASELINE_SHOW_RATE.
BASELINE_SHOW_RATE = 0.80
# The share of a week's meetings held is at most SHOW_CAP x the planned show rate.
SHOW_CAP = 1.2
LEAK_WEEKS: tuple[dt.date, ...] = (
    dt.date(2026, 10, 5),
    dt.date(2026, 10, 12),
    dt.date(2026, 10, 19),
)
LEAK_SHOW_RATES: tuple[float, ...] = (0.62, 0.48, 0.36)

MICROS_PER_HOUR = 3_600_000_000
MICROS_PER_DAY = 24 * MICROS_PER_HOUR
EPOCH = dt.date(1970, 1, 1)

# Traffic shape. Weekday factors Monday..Sunday; seasonal anchors (month, day, factor) are
# interpolated linearly by day of year: slow January start, summer dip, Q4 push.
WEEKDAY_FACTORS: tuple[float, ...] = (1.0, 1.05, 1.05, 1.0, 0.85, 0.40, 0.35)
SEASONAL_ANCHORS: tuple[tuple[int, int, float], ...] = (
    (1, 1, 0.55),
    (1, 15, 0.80),
    (2, 15, 0.95),
    (3, 15, 1.00),
    (4, 15, 1.00),
    (5, 15, 1.00),
    (6, 15, 0.95),
    (7, 15, 0.80),
    (8, 15, 0.75),
    (9, 15, 0.95),
    (10, 15, 1.15),
    (11, 15, 1.20),
    (12, 15, 1.00),
    (12, 31, 0.70),
)

# Irrational step per stratified decision (fractional parts of square roots).
ALPHA = {
    "demo": 0.6180339887498949,  # golden ratio conjugate
    "schedule": 0.4142135623730951,  # sqrt(2) - 1
    "schedule_lag": 0.7320508075688772,  # sqrt(3) - 1
    "meeting_lag": 0.2360679774997897,  # sqrt(5) - 2
    "opportunity": 0.3166247903554000,  # sqrt(11) - 3
    "qualify": 0.6055512754639891,  # sqrt(13) - 3
    "win": 0.1231056256176606,  # sqrt(17) - 4
}


@dataclass(frozen=True)
class Motion:
    """A buying motion: its share of sessions, stage conversion rates and deal size."""

    code: int
    name: str
    session_share: float
    demo_rate: float
    schedule_rate: float
    show_rate: float
    opportunity_rate: float
    qualify_rate: float
    win_rate: float
    deal_multiplier: float


MOTIONS: tuple[Motion, ...] = (
    Motion(0, "inbound", 0.70, 0.019, 0.30, 0.80, 0.50, 0.70, 0.28, 1.00),
    Motion(1, "abm", 0.20, 0.030, 0.40, 0.85, 0.60, 0.80, 0.35, 1.25),
    Motion(2, "partner", 0.10, 0.025, 0.35, 0.80, 0.50, 0.70, 0.30, 1.00),
)


@dataclass(frozen=True)
class Campaign:
    """A campaign: motion, channel, share of the motion's sessions, paid cost per session."""

    motion: str
    channel: str
    theme: str
    weight: float
    cost_per_session: float

    @property
    def name(self) -> str:
        return f"{self.motion}_{self.channel}_{self.theme}"


# Campaign names are <motion>_<channel>_<theme>. Weights sum to 1 per motion. seo and direct
# cost nothing; email spend is tooling, partner spend is market development funds (MDF).
CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("inbound", "paid_search", "brand", 0.16, 6.0),
    Campaign("inbound", "paid_search", "nonbrand", 0.16, 11.0),
    Campaign("inbound", "paid_search", "competitor", 0.08, 13.0),
    Campaign("inbound", "seo", "blog", 0.18, 0.0),
    Campaign("inbound", "seo", "comparison_pages", 0.12, 0.0),
    Campaign("inbound", "email", "newsletter", 0.09, 1.2),
    Campaign("inbound", "email", "nurture", 0.06, 1.5),
    Campaign("inbound", "direct", "unattributed", 0.15, 0.0),
    Campaign("abm", "events", "field_dinner", 0.12, 45.0),
    Campaign("abm", "events", "trade_show", 0.15, 30.0),
    Campaign("abm", "events", "executive_roundtable", 0.08, 40.0),
    Campaign("abm", "email", "one_to_one", 0.20, 2.0),
    Campaign("abm", "email", "account_nurture", 0.15, 1.5),
    Campaign("abm", "paid_search", "target_accounts", 0.18, 16.0),
    Campaign("abm", "paid_search", "retargeting", 0.12, 10.0),
    Campaign("partner", "partner", "referral", 0.50, 4.0),
    Campaign("partner", "partner", "co_marketing", 0.30, 12.0),
    Campaign("partner", "partner", "marketplace", 0.20, 8.0),
)

# Accounts: one per EVENTS_PER_ACCOUNT requested events; TARGET_ACCOUNT_SHARE of them are on
# the ABM target list; ABM sessions come from a target account with ABM_TARGET_SHARE.
EVENTS_PER_ACCOUNT = 40
MIN_ACCOUNTS = 200
TARGET_ACCOUNT_SHARE = 0.12
ABM_TARGET_SHARE = 0.85
CONTACTS_PER_ACCOUNT = 20
# Mean opportunity amount (USD) per segment before the motion's deal multiplier.
SEGMENT_MEAN_AMOUNT = {"smb": 14_000.0, "mid_market": 34_000.0, "enterprise": 77_000.0}
AMOUNT_SIGMA = 0.5


@dataclass(frozen=True)
class Options:
    """Validated command-line options."""

    events: int
    seed: int
    output_dir: Path
    start_date: dt.date
    end_date: dt.date
    bad_row_share: float
    quiet: bool


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Generate deterministic synthetic raw data (funnel events, ad spend, "
        "accounts) for the KPI tree demo.",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        help="funnel_events rows to write, bad rows included; met within 1-2%% (default 1000000)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--output-dir", type=Path, default=Path("data/raw"), help="default data/raw"
    )
    parser.add_argument(
        "--start-date", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1), help="YYYY-MM-DD"
    )
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 11, 15),
        help="YYYY-MM-DD, inclusive: nothing occurs after it",
    )
    parser.add_argument(
        "--bad-row-share",
        type=float,
        default=0.002,
        help="injected rows per bad-row class as a share of the valid events (duplicates 2.5x; "
        "negative_amount: of the rows with an amount) (default 0.002)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    if args.events < 1000:
        parser.error("--events must be at least 1000")
    if args.seed < 0 or args.seed >= 2**63:
        parser.error("--seed must be between 0 and 2**63 - 1")
    if args.end_date < args.start_date:
        parser.error("--end-date must not be before --start-date")
    if not 0.0 <= args.bad_row_share <= 0.05:
        parser.error("--bad-row-share must be between 0 and 0.05")
    return Options(
        events=args.events,
        seed=args.seed,
        output_dir=args.output_dir,
        start_date=args.start_date,
        end_date=args.end_date,
        bad_row_share=args.bad_row_share,
        quiet=args.quiet,
    )


def seasonal_factor(day: dt.date) -> float:
    """Seasonal traffic factor of a day, interpolated between the anchors of its year."""
    points = [(dt.date(day.year, m, d).toordinal(), f) for m, d, f in SEASONAL_ANCHORS]
    x = day.toordinal()
    for (x0, f0), (x1, f1) in itertools.pairwise(points):
        if x0 <= x <= x1:
            return f0 + (f1 - f0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def expected_events_per_session() -> float:
    """Events a session leads to on average (itself included), ignoring the end-date cut."""
    total = 0.0
    for m in MOTIONS:
        after_opportunity = 1 + m.qualify_rate * 2  # created, then qualified and closed
        after_held = 1 + m.opportunity_rate * after_opportunity
        after_scheduled = 1 + m.show_rate * after_held
        after_demo = 1 + m.schedule_rate * after_scheduled
        total += m.session_share * (1 + m.demo_rate * after_demo)
    return total


def session_groups(options: Options, sessions: int) -> list[tuple[int, int, int, int, float]]:
    """(day number since epoch, motion code, first session id, sessions, day weight) per group.

    Sessions are spread over days by weekday and seasonal weight and over motions by share,
    with cumulative rounding so the counts add up exactly and vary smoothly from day to day.
    """
    days = [
        options.start_date + dt.timedelta(days=i)
        for i in range((options.end_date - options.start_date).days + 1)
    ]
    weights = [WEEKDAY_FACTORS[d.weekday()] * seasonal_factor(d) for d in days]
    total_weight = sum(weights)
    groups: list[tuple[int, int, int, int, float]] = []
    cumulative = 0.0
    first_id = 0
    for day, weight in zip(days, weights, strict=True):
        for motion in MOTIONS:
            cumulative += sessions * weight / total_weight * motion.session_share
            last_id = round(cumulative)
            groups.append(((day - EPOCH).days, motion.code, first_id, last_id - first_id, weight))
            first_id = last_id
    return groups


def bad_row_counts(share: float, valid_events: int, amount_rows: int) -> dict[str, int]:
    """Rows to inject per bad-row class.

    Each class is `share` of the valid events (duplicates 2.5x that), except negative_amount:
    only opportunity_created, opportunity_qualified and closed_won rows carry an amount, and
    they are under 1% of the events, so that class is `share` of those rows (a share of all
    events would outnumber half the real opportunities). Every class gets at least one row
    when share > 0.
    """
    counts = {}
    for cls in BAD_ROW_CLASSES:
        base = amount_rows if cls == "negative_amount" else valid_events
        factor = DUPLICATE_SHARE_FACTOR if cls == "duplicate" else 1.0
        wanted = round(base * share * factor)
        counts[cls] = min(base, max(1, wanted)) if share > 0 else 0
    return counts


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def values_sql(rows: list[tuple[Any, ...]]) -> str:
    def render(value: Any) -> str:
        if isinstance(value, str):
            return sql_literal(value)
        return repr(value)

    return ", ".join("(" + ", ".join(render(v) for v in row) + ")" for row in rows)


def motion_case(attribute: str, column: str = "motion_code") -> str:
    """A SQL CASE giving a motion's attribute (e.g. demo_rate) by motion code."""
    whens = " ".join(f"when {m.code} then {getattr(m, attribute)!r}" for m in MOTIONS)
    return f"case {column} {whens} end"


def campaign_case(u: str) -> str:
    """A SQL CASE picking a campaign code by motion from the uniform draw u."""
    parts = []
    for motion in MOTIONS:
        cumulative = 0.0
        whens = []
        members = [(i, c) for i, c in enumerate(CAMPAIGNS) if c.motion == motion.name]
        for i, campaign in members[:-1]:
            cumulative += campaign.weight
            whens.append(f"when {u} < {cumulative:.6f} then {i}")
        whens.append(f"else {members[-1][0]}")
        parts.append(f"when {motion.code} then case {' '.join(whens)} end")
    return f"case motion_code {' '.join(parts)} end"


def width(largest: int, minimum: int) -> int:
    return max(minimum, len(str(largest)))


class Generator:
    """Builds the raw tables in one DuckDB connection; see the module docstring."""

    def __init__(self, con: duckdb.DuckDBPyConnection, options: Options) -> None:
        self.con = con
        self.o = options
        self.seed = options.seed
        # Bad rows come on top of the valid events (negative_amount rows are negligible).
        share_total = 1 + options.bad_row_share * (
            len(BAD_ROW_CLASSES) - 2 + DUPLICATE_SHARE_FACTOR
        )
        valid_target = options.events / share_total
        self.sessions = max(1, round(valid_target / expected_events_per_session()))
        self.accounts = max(MIN_ACCOUNTS, round(options.events / EVENTS_PER_ACCOUNT))
        self.target_accounts = max(1, round(self.accounts * TARGET_ACCOUNT_SHARE))
        # Account numbers are a scrambled bijection of account slots (slots below
        # target_accounts are the ABM target list), so target accounts do not cluster.
        self.account_step = next(p for p in range(7_919, 10**7) if math.gcd(p, self.accounts) == 1)
        self.end_us = ((options.end_date - EPOCH).days + 1) * MICROS_PER_DAY  # exclusive
        self.acc_width = width(self.accounts, 7)
        self.ctc_width = width(self.accounts * CONTACTS_PER_ACCOUNT + CONTACTS_PER_ACCOUNT, 9)

    # -- helpers -----------------------------------------------------------------------------

    def u(self, *keys: str | int) -> str:
        """SQL for a uniform draw in [0, 1) from hash(seed, keys...)."""
        args = ", ".join(str(k) for k in keys)
        return f"(hash({self.seed}::bigint, {args}) / 18446744073709551616.0::double)"

    def weyl(self, rank: str, stage: str, *partition: str) -> str:
        """SQL for frac(rank * alpha + offset), offset a hash of seed, partition and stage.

        Without a partition the partition is the motion (see rank()).
        """
        keys = partition or ("motion_code",)
        offset = self.u(*keys, 1000 + list(ALPHA).index(stage))
        expr = f"({rank} * {ALPHA[stage]!r}::double + {offset})"
        return f"({expr} - floor({expr}))"

    @staticmethod
    def rank(time_column: str) -> str:
        """SQL for a journey's rank in time order within its motion.

        Ranking by time (not by hash) makes (time, decision) a low-discrepancy point set: any
        window of time, a week say, gets its planned share of conversions and of each lag,
        so stage counts per week and weekly ratios vary smoothly.
        """
        return f"row_number() over (partition by motion_code order by {time_column}, jid) - 1"

    def run(self, sql: str) -> None:
        self.con.execute(sql)

    # -- setup -------------------------------------------------------------------------------

    def create_dimensions(self) -> None:
        groups = session_groups(self.o, self.sessions)
        self.run(
            "create table session_groups (day_number bigint, motion_code integer, "
            "first_id bigint, sessions bigint, weight double)"
        )
        for start in range(0, len(groups), 1000):
            self.run(
                f"insert into session_groups values {values_sql(groups[start : start + 1000])}"
            )
        campaign_rows = [
            (i, c.motion, c.channel, c.name, c.weight, c.cost_per_session)
            for i, c in enumerate(CAMPAIGNS)
        ]
        self.run(
            "create table campaigns (campaign_code integer, motion varchar, channel varchar, "
            f"campaign varchar, weight double, cost_per_session double); "
            f"insert into campaigns values {values_sql(campaign_rows)}"
        )
        a, t = self.accounts, self.target_accounts
        u_seg, u_reg = self.u("slot", 101), self.u("slot", 102)
        self.run(
            f"""
            create table accounts as
            with slots as (
                select slot from range({a}) as r(slot)
            )
            select
                slot,
                (slot * {self.account_step} + {self.seed % a}) % {a} + 1 as account_number,
                slot < {t} as is_target_account,
                case
                    when slot < {t} then
                        case when {u_seg} < 0.10 then 'smb'
                            when {u_seg} < 0.45 then 'mid_market' else 'enterprise' end
                    else
                        case when {u_seg} < 0.58 then 'smb'
                            when {u_seg} < 0.88 then 'mid_market' else 'enterprise' end
                end as segment,
                case when {u_reg} < 0.50 then 'na' when {u_reg} < 0.80 then 'emea'
                    when {u_reg} < 0.92 then 'apac' else 'latam' end as region
            from slots
            """
        )

    def create_sessions_view(self) -> None:
        """Views of all sessions (97% of the events), computed from the day x motion plan."""
        a, t = self.accounts, self.target_accounts
        u_tod = self.u("sid", 1)
        u_ing = self.u("sid", 2)
        u_camp = self.u("sid", 3)
        u_abm = self.u("sid", 4)
        h_acc = f"hash({self.seed}::bigint, sid, 5)"
        h_ctc = f"hash({self.seed}::bigint, sid, 6)"
        demo = self.weyl("r", "demo", "day_number", "motion_code")
        self.run(
            f"""
            create view session_keys as
            select
                g.first_id + s.r as sid,
                g.day_number,
                g.motion_code,
                {demo} < {motion_case("demo_rate", "g.motion_code")} as is_demo
            from session_groups as g, range(g.sessions) as s(r)
            """
        )
        self.run(
            f"""
            create view sessions as
            with drawn as (
                select
                    sid,
                    day_number,
                    motion_code,
                    is_demo,
                    day_number * {MICROS_PER_DAY} + (
                        case when {u_tod} < 0.8
                            then {8 * MICROS_PER_HOUR} + {u_tod} / 0.8 * {12 * MICROS_PER_HOUR}
                            else ({u_tod} - 0.8) / 0.2 * {MICROS_PER_DAY} end
                    )::bigint as occurred_us,
                    {campaign_case(u_camp)} as campaign_code,
                    case when motion_code = 1 and {u_abm} < {ABM_TARGET_SHARE}
                        then {h_acc} % {t} else {h_acc} % {a} end as slot
                from session_keys
            )
            select
                sid,
                day_number,
                motion_code,
                is_demo,
                occurred_us,
                occurred_us + {2 * 60_000_000}
                    + (pow({u_ing}, 3) * {6 * MICROS_PER_HOUR})::bigint as ingested_us,
                campaign_code,
                (slot * {self.account_step} + {self.seed % a}) % {a} + 1 as account_number,
                ((slot * {self.account_step} + {self.seed % a}) % {a} + 1)
                    * {CONTACTS_PER_ACCOUNT} + {h_ctc} % {CONTACTS_PER_ACCOUNT} as contact_number
            from drawn
            """
        )

    # -- the funnel after the session (small tables) --------------------------------------------

    def create_journeys(self) -> None:
        """One row per demo request with every later stage's decision and timing."""
        week = "((({d}) + 3) // 7)"  # Monday-based week number of a day number
        leak_weeks = [((w - EPOCH).days + 3) // 7 for w in LEAK_WEEKS]
        leak_case = " ".join(
            f"when {wk} then {rate / BASELINE_SHOW_RATE!r}"
            for wk, rate in zip(leak_weeks, LEAK_SHOW_RATES, strict=True)
        )
        u = self.u
        self.run(
            f"""
            create table demos as
            select
                sid as jid,
                motion_code,
                campaign_code,
                account_number,
                contact_number,
                occurred_us + {60_000_000} + ({u("sid", 20)} * {30 * 60_000_000})::bigint
                    as demo_us
            from sessions
            where is_demo
            """
        )
        # Scheduling (speed to lead): half the demo requests that get a meeting book it the
        # same day, minutes to hours later, the rest one to four days later. The day offset
        # is stratified so that meetings booked per day follow demo requests smoothly.
        self.run(
            f"""
            create table scheduled as
            with ranked as (
                select
                    *,
                    demo_us // {MICROS_PER_DAY} as demo_day,
                    {self.rank("demo_us")} as rk
                from demos
            ),
            decided as (
                select
                    *,
                    {self.weyl("rk", "schedule")}
                        < {motion_case("schedule_rate")} as is_scheduled,
                    {self.weyl("rk", "schedule_lag")} as lag_q
                from ranked
            ),
            lagged as (
                select
                    *,
                    case when lag_q < 0.50 then 0 when lag_q < 0.75 then 1
                        when lag_q < 0.87 then 2 when lag_q < 0.95 then 3 else 4 end as lag_days
                from decided
                where is_scheduled
            )
            select
                jid,
                motion_code,
                case when lag_days = 0
                    then demo_us + (
                        ((demo_day + 1) * {MICROS_PER_DAY} - demo_us)
                        * (0.02 + 0.9 * {u("jid", 31)})
                    )::bigint
                    else (demo_day + lag_days) * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                        + ({u("jid", 31)} * {10 * MICROS_PER_HOUR})::bigint
                end as scheduled_us
            from lagged
            """
        )
        # Meetings 2-10 days after scheduling (spread evenly per scheduling day); a meeting
        # that would fall on a weekend moves to the Monday after.
        self.run(
            f"""
            create table meetings as
            with ranked as (
                select
                    *,
                    scheduled_us // {MICROS_PER_DAY} as scheduled_day,
                    {self.rank("scheduled_us")} as rk
                from scheduled
            ),
            dated as (
                select
                    jid,
                    motion_code,
                    scheduled_day + 2
                        + floor({self.weyl("rk", "meeting_lag")} * 9)::bigint as raw_day
                from ranked
            ),
            weekday_dated as (
                select
                    jid,
                    motion_code,
                    raw_day + case (raw_day + 3) % 7 when 5 then 2 when 6 then 1 else 0 end
                        as meeting_day
                from dated
            )
            select
                jid,
                motion_code,
                meeting_day,
                {week.format(d="meeting_day")} as meeting_week,
                meeting_day * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                    + ({u("jid", 41)} * {10 * MICROS_PER_HOUR})::bigint as meeting_us
            from weekday_dated
            """
        )
        # Show (meeting held). The KPI is a period ratio: meetings held in a week over meetings
        # scheduled in that week, two different cohorts (a meeting happens 2-10 days after it
        # is booked). So that this ratio tracks the planned show rate week by week, each
        # (week, motion) holds round(rate * meetings scheduled that week) of its meetings,
        # chosen by hash, but never more than SHOW_CAP x rate of the meetings that week
        # (this only binds in the first weeks, before the pipeline of bookings fills up).
        self.run(
            f"""
            create table held as
            with scheduled_weekly as (
                select
                    (scheduled_us // {MICROS_PER_DAY} + 3) // 7 as week,
                    motion_code,
                    count(*) as scheduled
                from scheduled
                where scheduled_us < {self.end_us}
                group by 1, 2
            ),
            ranked as (
                select
                    *,
                    row_number() over (
                        partition by meeting_week, motion_code
                        order by hash({self.seed}::bigint, jid, 50)
                    ) as rn,
                    count(*) over (partition by meeting_week, motion_code) as meetings,
                    {motion_case("show_rate")}
                        * case meeting_week {leak_case} else 1.0 end as show_rate
                from meetings
            )
            select r.jid, r.motion_code, r.meeting_day, r.meeting_week, r.meeting_us
            from ranked as r
            left join scheduled_weekly as s
                on r.meeting_week = s.week and r.motion_code = s.motion_code
            where r.rn <= least(
                round(r.show_rate * coalesce(s.scheduled, 0)),
                round(least(1.0, {SHOW_CAP} * r.show_rate) * r.meetings)
            )
            """
        )
        # Opportunity created 1-14 days after the meeting; amount lognormal by segment.
        z = f"(sqrt(-2 * ln(1 - {u('h.jid', 62)})) * cos(2 * pi() * {u('h.jid', 63)}))"
        mean_amount = (
            "case a.segment "
            + " ".join(f"when '{s}' then {v!r}" for s, v in SEGMENT_MEAN_AMOUNT.items())
            + " end"
        )
        self.run(
            f"""
            create table opportunities as
            with ranked as (
                select
                    *,
                    {self.rank("meeting_us")} as rk
                from held
            ),
            created as (
                select
                    jid,
                    motion_code,
                    meeting_day + 1 + floor({u("jid", 61)} * 14)::bigint as created_day
                from ranked
                where {self.weyl("rk", "opportunity")}
                    < {motion_case("opportunity_rate")}
            )
            select
                h.jid,
                h.motion_code,
                h.created_day,
                {week.format(d="h.created_day")} as created_week,
                h.created_day * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                    + ({u("h.jid", 64)} * {10 * MICROS_PER_HOUR})::bigint as created_us,
                round(
                    {mean_amount} * {motion_case("deal_multiplier", "h.motion_code")}
                    * exp({AMOUNT_SIGMA} * {z} - {AMOUNT_SIGMA**2 / 2!r})
                ) as amount,
                row_number() over (order by h.jid) as opportunity_number
            from created as h
            inner join demos as d on h.jid = d.jid
            inner join accounts as a
                on d.account_number = a.account_number
            """
        )
        self.run(
            f"""
            create table qualified as
            with ranked as (
                select
                    *,
                    {self.rank("created_us")} as rk
                from opportunities
            ),
            chosen as (
                select
                    jid,
                    motion_code,
                    created_day + 2 + floor({u("jid", 71)} * 11)::bigint as qualified_day
                from ranked
                where {self.weyl("rk", "qualify")}
                    < {motion_case("qualify_rate")}
            )
            select
                jid,
                motion_code,
                qualified_day,
                {week.format(d="qualified_day")} as qualified_week,
                qualified_day * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                    + ({u("jid", 72)} * {10 * MICROS_PER_HOUR})::bigint as qualified_us
            from chosen
            """
        )
        self.run(
            f"""
            create table closed as
            with ranked as (
                select
                    *,
                    {self.rank("qualified_us")} as rk
                from qualified
            ),
            decided as (
                select
                    jid,
                    qualified_day,
                    {self.weyl("rk", "win")}
                        < {motion_case("win_rate")} as is_won
                from ranked
            )
            select
                c.jid,
                c.is_won,
                (
                    c.qualified_day
                    + case when c.is_won then 30 + floor({u("c.jid", 81)} * 61)
                        else 30 + floor({u("c.jid", 81)} * 91) end
                )::bigint * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                    + ({u("c.jid", 82)} * {10 * MICROS_PER_HOUR})::bigint as closed_us,
                case when c.is_won
                    then round(o.amount * (0.8 + 0.3 * {u("c.jid", 83)})) end as won_amount
            from decided as c
            inner join opportunities as o on c.jid = o.jid
            """
        )

    def create_followups(self) -> None:
        """All events after the session, numbered after the sessions."""
        code = {t: i for i, t in enumerate(KNOWN_EVENT_TYPES)}
        u_ing = self.u("f.jid", "f.type_code", 90)
        self.run(
            f"""
            create table followups as
            with stages as (
                select
                    jid,
                    {code["demo_request"]} as type_code,
                    demo_us as occurred_us,
                    null::bigint as opportunity_number,
                    null::double as amount
                from demos
                union all
                select jid, {code["meeting_scheduled"]}, scheduled_us, null, null
                from scheduled
                union all
                select jid, {code["meeting_held"]}, meeting_us, null, null
                from held
                union all
                select jid, {code["opportunity_created"]}, created_us, opportunity_number, amount
                from opportunities
                union all
                select q.jid, {code["opportunity_qualified"]}, q.qualified_us,
                    o.opportunity_number, o.amount
                from qualified as q
                inner join opportunities as o on q.jid = o.jid
                union all
                select
                    c.jid,
                    case when c.is_won then {code["closed_won"]} else {code["closed_lost"]} end,
                    c.closed_us,
                    o.opportunity_number,
                    c.won_amount
                from closed as c
                inner join opportunities as o on c.jid = o.jid
            ),
            emitted as (
                select * from stages where occurred_us < {self.end_us}
            )
            select
                {self.sessions} + row_number() over (order by f.jid, f.type_code) as event_number,
                f.occurred_us,
                d.account_number,
                d.contact_number,
                f.opportunity_number,
                f.type_code,
                d.campaign_code,
                f.amount,
                f.occurred_us + {2 * 60_000_000}
                    + (pow({u_ing}, 2) * {4 * MICROS_PER_HOUR})::bigint as ingested_us
            from emitted as f
            inner join demos as d on f.jid = d.jid
            """
        )

    def create_events(self) -> int:
        """Materialise the valid events (numeric columns); returns their count."""
        self.run(
            f"""
            create table event_rows as
            select
                sid + 1 as row_key,
                sid + 1 as event_number,
                occurred_us,
                account_number,
                contact_number,
                null::bigint as opportunity_number,
                {KNOWN_EVENT_TYPES.index("high_intent_session")} as type_code,
                campaign_code,
                null::double as amount,
                ingested_us
            from sessions
            union all
            select event_number as row_key, * from followups
            """
        )
        row = self.con.execute("select count(*) from event_rows").fetchone()
        assert row is not None
        return int(row[0])

    def create_bad_rows(self, valid: int) -> None:
        """Append rows with exactly one defect each (duplicates re-send valid events).

        Bad rows are copies of valid events (templates) with one field changed and a fresh
        row_key (and a fresh event_number, except duplicates and missing_event_id).
        """
        amount_codes = [
            KNOWN_EVENT_TYPES.index("opportunity_created"),
            KNOWN_EVENT_TYPES.index("opportunity_qualified"),
            KNOWN_EVENT_TYPES.index("closed_won"),
        ]
        self.run(
            f"""
            create table amount_rows as
            select event_number, row_number() over (order by event_number) as amount_rank
            from event_rows
            where type_code in ({", ".join(str(code) for code in amount_codes)})
            """
        )
        row = self.con.execute("select count(*) from amount_rows").fetchone()
        assert row is not None
        amount_rows = int(row[0])
        counts = bad_row_counts(self.o.bad_row_share, valid, amount_rows)
        picks = []
        for k, cls in enumerate(BAD_ROW_CLASSES):
            n = counts[cls]
            if n == 0:
                continue
            if cls == "negative_amount":
                picks.append(
                    f"""
                    select {k} as class_code, t.i, a.event_number as template_number
                    from range({n}) as t(i)
                    inner join amount_rows as a
                        on a.amount_rank = 1 + hash({self.seed}::bigint, t.i, {k}, 200)
                            % {amount_rows}
                    """
                )
            elif cls == "duplicate":
                # A permutation of 1..valid, so no event is re-sent twice.
                step = next(p for p in range(1_000_003, 10**8) if math.gcd(p, valid) == 1)
                offset = self.seed % valid
                picks.append(
                    f"""
                    select {k} as class_code, i, (i * {step} + {offset}) % {valid} + 1
                        as template_number
                    from range({n}) as t(i)
                    """
                )
            else:
                picks.append(
                    f"""
                    select {k} as class_code, i,
                        1 + hash({self.seed}::bigint, i, {k}, 200) % {valid} as template_number
                    from range({n}) as t(i)
                    """
                )
        if not picks:
            return
        c = {name: i for i, name in enumerate(BAD_ROW_CLASSES)}
        unknown_first = len(KNOWN_EVENT_TYPES)
        self.run(
            f"""
            insert into event_rows
            with picks as (
                {" union all ".join(picks)}
            ),
            numbered as (
                select
                    *,
                    {valid} + row_number() over (order by class_code, i) as fresh_number
                from picks
            )
            select
                n.fresh_number as row_key,
                case n.class_code
                    when {c["duplicate"]} then e.event_number
                    when {c["missing_event_id"]} then null
                    else n.fresh_number
                end as event_number,
                e.occurred_us,
                case when n.class_code = {c["missing_account_id"]} then null
                    else e.account_number end as account_number,
                e.contact_number,
                case when n.class_code = {c["unknown_event_type"]} then null
                    else e.opportunity_number end as opportunity_number,
                case when n.class_code = {c["unknown_event_type"]}
                    then {unknown_first}
                        + hash({self.seed}::bigint, n.fresh_number, 201)
                            % {len(UNKNOWN_EVENT_TYPES)}
                    else e.type_code end as type_code,
                e.campaign_code,
                case n.class_code
                    when {c["unknown_event_type"]} then null
                    when {c["negative_amount"]} then -e.amount
                    else e.amount
                end as amount,
                case n.class_code
                    when {c["duplicate"]} then e.ingested_us + {MICROS_PER_HOUR}
                        + ({self.u("n.fresh_number", 202)} * {71 * MICROS_PER_HOUR})::bigint
                    when {c["occurred_after_ingestion"]} then e.occurred_us - {MICROS_PER_DAY}
                        - ({self.u("n.fresh_number", 203)} * {29 * MICROS_PER_DAY})::bigint
                    else e.ingested_us
                end as ingested_us
            from numbered as n
            inner join event_rows as e on n.template_number = e.row_key
            """
        )

    # -- outputs -----------------------------------------------------------------------------

    def write(self, table: str, query: str) -> Path:
        folder = self.o.output_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        path = folder / "part-0000.parquet"
        self.run(f"copy ({query}) to {sql_literal(str(path))} (format parquet, compression zstd)")
        return path

    def write_all(self) -> dict[str, Path]:
        event_types = KNOWN_EVENT_TYPES + UNKNOWN_EVENT_TYPES
        source_systems = [
            {"high_intent_session": "web_analytics", "demo_request": "marketing_automation"}.get(
                t, "crm"
            )
            for t in KNOWN_EVENT_TYPES
        ] + [
            "web_analytics" if t == "chat_started" else "marketing_automation"
            for t in UNKNOWN_EVENT_TYPES
        ]

        def lookup(values: list[str] | tuple[str, ...], code: str) -> str:
            return "[" + ", ".join(sql_literal(v) for v in values) + f"][{code} + 1]"

        max_row = self.con.execute("select max(row_key) from event_rows").fetchone()
        assert max_row is not None
        evt_width = width(int(max_row[0]), 10)
        paths = {
            "funnel_events": self.write(
                "funnel_events",
                f"""
                select
                    'evt_' || lpad(event_number::varchar, {evt_width}, '0') as event_id,
                    to_timestamp(occurred_us / 1e6) as occurred_at,
                    'acc_' || lpad(account_number::varchar, {self.acc_width}, '0')
                        as account_id,
                    'ctc_' || lpad(contact_number::varchar, {self.ctc_width}, '0')
                        as contact_id,
                    'opp_' || lpad(opportunity_number::varchar, 8, '0') as opportunity_id,
                    {lookup(event_types, "type_code")} as event_type,
                    {lookup([c.motion for c in CAMPAIGNS], "campaign_code")} as motion,
                    {lookup([c.channel for c in CAMPAIGNS], "campaign_code")} as channel,
                    {lookup([c.name for c in CAMPAIGNS], "campaign_code")} as campaign,
                    amount,
                    case when amount is not null then 'USD' end as currency,
                    {lookup(source_systems, "type_code")} as source_system,
                    to_timestamp(ingested_us / 1e6) as ingested_at
                from event_rows
                order by occurred_us, row_key
                """,
            ),
        }
        # Ad spend: every paid campaign every day, in proportion to the sessions it brings.
        paths["ad_spend"] = self.write(
            "ad_spend",
            f"""
            select
                make_date(1970, 1, 1) + g.day_number::integer as spend_date,
                c.channel,
                c.motion,
                c.campaign,
                round(
                    g.sessions * c.weight * c.cost_per_session
                    * (0.85 + 0.3 * {self.u("g.day_number", "c.campaign_code", 300)}),
                    2
                ) as spend
            from session_groups as g
            inner join campaigns as c
                on g.motion_code = case c.motion when 'inbound' then 0 when 'abm' then 1
                    else 2 end
            where c.cost_per_session > 0
            order by spend_date, c.campaign
            """,
        )
        paths["accounts"] = self.write(
            "accounts",
            f"""
            select
                'acc_' || lpad(account_number::varchar, {self.acc_width}, '0') as account_id,
                segment,
                is_target_account,
                region
            from accounts
            order by account_id
            """,
        )
        return paths


def report_from_files(
    con: duckdb.DuckDBPyConnection, options: Options, paths: dict[str, Path]
) -> dict[str, Any]:
    """The generation report, every count computed from the written parquet files.

    A row's defect is the first that applies, in the order of BAD_ROW_CLASSES (each injected
    row has exactly one); among rows without a defect, rows beyond the first per event_id are
    duplicates.
    """
    rows: dict[str, int] = {}
    for table, path in paths.items():
        row = con.execute(f"select count(*) from read_parquet({sql_literal(str(path))})").fetchone()
        assert row is not None
        rows[table] = int(row[0])
    known = ", ".join(sql_literal(t) for t in KNOWN_EVENT_TYPES)
    groups = con.execute(
        f"""
        with classified as (
            select
                event_id,
                event_type,
                case
                    when event_id is null then 'missing_event_id'
                    when account_id is null then 'missing_account_id'
                    when event_type not in ({known}) then 'unknown_event_type'
                    when amount < 0 then 'negative_amount'
                    when occurred_at > ingested_at then 'occurred_after_ingestion'
                end as defect
            from read_parquet({sql_literal(str(paths["funnel_events"]))})
        )
        select
            grouping(event_type) = 1 as is_total,
            defect,
            event_type,
            count(*) as n_rows,
            count(distinct event_id) as n_events
        from classified
        group by grouping sets ((defect, event_type), (defect))
        """
    ).fetchall()
    injected = dict.fromkeys(BAD_ROW_CLASSES, 0)
    by_type = dict.fromkeys(KNOWN_EVENT_TYPES, 0)
    valid = 0
    for is_total, defect, event_type, n_rows, n_events in groups:
        if defect is not None:
            injected[defect] += int(n_rows) if is_total else 0
        elif is_total:
            valid = int(n_events)
            injected["duplicate"] = int(n_rows) - valid
        else:
            by_type[event_type] = int(n_events)
    return {
        "seed": options.seed,
        "events_requested": options.events,
        "start_date": options.start_date.isoformat(),
        "end_date": options.end_date.isoformat(),
        "rows": rows,
        "valid_events": valid,
        "events_by_type": by_type,
        "injected": injected,
        "leak": {
            "stage": "meeting_held_rate",
            "weeks": [w.isoformat() for w in LEAK_WEEKS],
            "show_rate": list(LEAK_SHOW_RATES),
            "baseline_show_rate": BASELINE_SHOW_RATE,
        },
    }


def generate(options: Options) -> dict[str, Any]:
    """Generate all outputs and return the report (also written as generation_report.json)."""
    options.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kpi_gen_") as spill:
        con = duckdb.connect()
        try:
            con.execute("set timezone = 'UTC'")
            con.execute(f"set temp_directory = {sql_literal(spill)}")
            gen = Generator(con, options)
            gen.create_dimensions()
            gen.create_sessions_view()
            gen.create_journeys()
            gen.create_followups()
            valid = gen.create_events()
            gen.create_bad_rows(valid)
            paths = gen.write_all()
            report = report_from_files(con, options, paths)
        finally:
            con.close()
    report_path = options.output_dir / "generation_report.json"
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    report = generate(options)
    if not options.quiet:
        elapsed = time.perf_counter() - started
        rows = ", ".join(f"{t} {n:,}" for t, n in report["rows"].items())
        injected = ", ".join(f"{c} {n:,}" for c, n in report["injected"].items())
        print(f"wrote {options.output_dir}: {rows}", file=sys.stderr)
        print(f"valid events {report['valid_events']:,}; injected: {injected}", file=sys.stderr)
        print(f"done in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

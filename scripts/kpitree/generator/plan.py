"""The plan behind the demo data: what the generator is asked to reproduce.

Calendar (growth, seasonality, weekdays), the four buying motions with their funnels (rates and
lags), campaigns and their costs, accounts, the customer base and its lifecycle, the injected
effects, and the volumes a requested --events implies. Pure data and arithmetic: nothing here
touches DuckDB, and nothing runs at import time beyond building these constants.

docs/raw_data.md documents the same numbers for the people who model on the data; the
generation report (generation_report.json) repeats them next to what was measured in the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from dataclasses import dataclass
from typing import Any

EPOCH = dt.date(1970, 1, 1)
MICROS_PER_MINUTE = 60_000_000
MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE
MICROS_PER_DAY = 24 * MICROS_PER_HOUR

DEFAULT_START = dt.date(2025, 1, 1)
DEFAULT_END = dt.date(2026, 11, 15)

# -- calendar --------------------------------------------------------------------------------

# Volume grows by this factor per year (continuously, from GROWTH_ORIGIN), so the same period
# last year is 1/1.25 of this year's, whatever the season.
GROWTH_PER_YEAR = 1.25
GROWTH_ORIGIN = dt.date(2025, 1, 1)
# Weekday factors Monday..Sunday; seasonal anchors (month, day, factor) are interpolated
# linearly by day of year: slow January start, summer dip, Q4 push.
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


def seasonal_factor(day: dt.date) -> float:
    """Seasonal traffic factor of a day, interpolated between the anchors of its year."""
    points = [(dt.date(day.year, m, d).toordinal(), f) for m, d, f in SEASONAL_ANCHORS]
    x = day.toordinal()
    for (x0, f0), (x1, f1) in itertools.pairwise(points):
        if x0 <= x <= x1:
            return f0 + (f1 - f0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def day_weight(day: dt.date) -> float:
    """Relative volume of a day: weekday x season x growth."""
    years = (day - GROWTH_ORIGIN).days / 365.25
    return WEEKDAY_FACTORS[day.weekday()] * seasonal_factor(day) * GROWTH_PER_YEAR**years


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def week_number(day: dt.date) -> int:
    """Monday-based week number since the epoch, as the SQL computes it: (day + 3) // 7."""
    return (day_number(day) + 3) // 7


# -- vocabularies ------------------------------------------------------------------------------

SEGMENTS: tuple[str, ...] = ("smb", "mid_market", "enterprise")
REGIONS: tuple[str, ...] = ("na", "emea", "apac", "latam")
REGION_SHARES: tuple[float, ...] = (0.50, 0.30, 0.12, 0.08)
CHANNELS: tuple[str, ...] = (
    "paid_search",
    "seo",
    "email",
    "events",
    "partner",
    "direct",
    "content",
)
PERSONAS: tuple[str, ...] = ("economic_buyer", "champion", "other")
ENGAGEMENT_TYPES: tuple[str, ...] = ("intent_signal", "engaged_session")
REGISTRATION_STATUSES: tuple[str, ...] = ("accepted", "rejected", "pending")
PRODUCT_EVENT_TYPES: tuple[str, ...] = ("signup", "activation", "product_qualified_account")
CHANGE_TYPES: tuple[str, ...] = ("expansion", "contraction", "renewal", "churn")
HEALTH_STATUSES: tuple[str, ...] = ("at_risk", "recovered")
AT_RISK_REASONS: tuple[str, ...] = (
    "low_usage",
    "champion_left",
    "budget_cut",
    "support_escalation",
    "competitor_evaluation",
)
RECOVERED_REASONS: tuple[str, ...] = ("usage_recovered", "new_champion", "executive_sponsor")

# -- the motions and their funnels ---------------------------------------------------------------


@dataclass(frozen=True)
class Lag:
    """Whole days from one stage to the next: lo..hi, uniform unless weights (one per day).

    A lag of 0 days lands later the same day; other days land in business hours (08:00-18:00
    UTC). Lags are stratified like the decisions (see randomness.py), so any week gets its
    planned mix of short and long lags.
    """

    lo: int
    hi: int
    weights: tuple[float, ...] = ()

    def probabilities(self) -> list[float]:
        if not self.weights:
            return [1.0 / (self.hi - self.lo + 1)] * (self.hi - self.lo + 1)
        total = sum(self.weights)
        return [w / total for w in self.weights]

    def mean(self) -> float:
        return sum((self.lo + i) * p for i, p in enumerate(self.probabilities()))

    def describe(self) -> dict[str, float]:
        return {"min_days": self.lo, "max_days": self.hi, "mean_days": round(self.mean(), 2)}


@dataclass(frozen=True)
class Funnel:
    """A buying motion's funnel from its entry stage to the close, with rates and lags.

    The entry (a session, an engagement episode, a deal registration or a sign-up) is
    specific to the motion; from `to_meeting` on, the stages are the funnel_events contract:
    meeting_scheduled -> meeting_held -> opportunity_created -> opportunity_qualified ->
    closed_won | closed_lost. product_led has no meetings: a product-qualified account
    becomes an opportunity directly.
    """

    code: int
    name: str
    entry: str
    # Entries per inbound high-intent session (the volume of the motion relative to inbound).
    entries_per_session: float
    segment_mix: tuple[float, float, float]
    to_meeting_rate: float
    to_meeting_lag: Lag
    show_rate: float
    meeting_lag: Lag
    opportunity_rate: float
    opportunity_lag: Lag
    qualify_rate: float
    qualify_lag: Lag
    win_rate: float
    won_lag: Lag
    lost_lag: Lag
    deal_multiplier: float
    # P(1), ..., P(6) touches in an opportunity's journey.
    touch_counts: tuple[float, ...]
    # Invitees per meeting: 1..max_invitees; P(an economic buyer or champion attends a held
    # meeting) when it becomes an opportunity, and when it does not.
    max_invitees: int
    key_persona_if_opportunity: float
    key_persona_otherwise: float

    @property
    def has_meetings(self) -> bool:
        return self.to_meeting_rate > 0


NO_LAG = Lag(0, 0)

FUNNELS: tuple[Funnel, ...] = (
    Funnel(
        code=0,
        name="inbound",
        entry="high_intent_session -> demo_request (landing page conversion by campaign)",
        entries_per_session=1.0,
        segment_mix=(0.58, 0.30, 0.12),
        to_meeting_rate=0.30,
        to_meeting_lag=Lag(0, 4, (0.50, 0.25, 0.12, 0.08, 0.05)),
        show_rate=0.80,
        meeting_lag=Lag(2, 10),
        opportunity_rate=0.50,
        opportunity_lag=Lag(1, 14),
        qualify_rate=0.70,
        qualify_lag=Lag(2, 12),
        win_rate=0.28,
        won_lag=Lag(30, 90),
        lost_lag=Lag(30, 120),
        deal_multiplier=1.0,
        touch_counts=(0.15, 0.25, 0.25, 0.18, 0.10, 0.07),
        max_invitees=2,
        key_persona_if_opportunity=0.75,
        key_persona_otherwise=0.40,
    ),
    Funnel(
        code=1,
        name="abm",
        entry="engagement episode of a target account (account_engagement)",
        entries_per_session=0.021,
        segment_mix=(0.10, 0.35, 0.55),
        to_meeting_rate=0.10,
        to_meeting_lag=Lag(14, 60),
        show_rate=0.85,
        meeting_lag=Lag(3, 14),
        opportunity_rate=0.50,
        opportunity_lag=Lag(7, 45),
        qualify_rate=0.75,
        qualify_lag=Lag(5, 20),
        win_rate=0.33,
        won_lag=Lag(90, 240),
        lost_lag=Lag(60, 240),
        deal_multiplier=1.25,
        touch_counts=(0.05, 0.10, 0.20, 0.25, 0.22, 0.18),
        max_invitees=4,
        key_persona_if_opportunity=0.92,
        key_persona_otherwise=0.50,
    ),
    Funnel(
        code=2,
        name="partner",
        entry="accepted deal registration (partner_registrations)",
        entries_per_session=0.0030,
        segment_mix=(0.40, 0.40, 0.20),
        to_meeting_rate=0.60,
        to_meeting_lag=Lag(3, 21),
        show_rate=0.85,
        meeting_lag=Lag(2, 10),
        opportunity_rate=0.55,
        opportunity_lag=Lag(3, 21),
        qualify_rate=0.75,
        qualify_lag=Lag(3, 14),
        win_rate=0.32,
        won_lag=Lag(45, 120),
        lost_lag=Lag(45, 150),
        deal_multiplier=1.0,
        touch_counts=(0.20, 0.30, 0.25, 0.15, 0.07, 0.03),
        max_invitees=3,
        key_persona_if_opportunity=0.85,
        key_persona_otherwise=0.45,
    ),
    Funnel(
        code=3,
        name="product_led",
        entry="product-qualified account (product_events: signup -> activation -> PQA)",
        entries_per_session=0.032,
        segment_mix=(0.70, 0.25, 0.05),
        to_meeting_rate=0.0,
        to_meeting_lag=NO_LAG,
        show_rate=0.0,
        meeting_lag=NO_LAG,
        opportunity_rate=0.40,
        opportunity_lag=Lag(1, 7),
        qualify_rate=0.70,
        qualify_lag=Lag(1, 7),
        win_rate=0.35,
        won_lag=Lag(14, 45),
        lost_lag=Lag(14, 60),
        deal_multiplier=0.55,
        touch_counts=(0.30, 0.30, 0.20, 0.12, 0.05, 0.03),
        max_invitees=0,
        key_persona_if_opportunity=0.0,
        key_persona_otherwise=0.0,
    ),
)
MOTIONS: tuple[str, ...] = tuple(f.name for f in FUNNELS)
FUNNEL = {f.name: f for f in FUNNELS}

# Inbound: a demo request follows its session by 1-31 minutes.
DEMO_REQUEST_MINUTES = (1, 31)

# ABM: engagement episodes. An episode is a burst of 1..MAX engagements of one account over
# EPISODE_SPAN days; TARGET_POOL_SHARE of the episodes are on target accounts (the rest on
# other accounts, so "target accounts only" changes the numbers). Only episodes on target
# accounts can lead to an ABM meeting (to_meeting_rate), 14-60 days after the episode starts.
ABM_TARGET_POOL_SHARE = 0.85
ENGAGEMENTS_PER_EPISODE = Lag(1, 8, (0.10, 0.15, 0.18, 0.17, 0.14, 0.11, 0.08, 0.07))
EPISODE_SPAN = Lag(7, 42)
INTENT_SIGNAL_SHARE = 0.40

# Partner: deal registrations decided 1-10 days after (ACCEPT_RATE accepted, the rest
# rejected); SLOW_DECISION_SHARE wait 20-45 days; undecided at --end-date means pending.
ACCEPT_RATE = 0.70
DECISION_LAG = Lag(1, 10)
SLOW_DECISION_SHARE = 0.05
SLOW_DECISION_LAG = Lag(20, 45)

# Product-led: sign-up -> activation (the core value action) -> product-qualified account.
ACTIVATION_RATE = 0.35
ACTIVATION_LAG = Lag(
    0,
    14,
    (0.30, 0.25, 0.15, 0.06, 0.05, 0.05, 0.04, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.005, 0.005),
)
PQA_RATE = 0.25
PQA_LAG = Lag(3, 21)

# -- campaigns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """A campaign: its motion and channel, the share of the motion's entries it sources
    (0: it only appears as a later touch), ad spend per entry (USD; 0 for unpaid channels), its
    weight among the later touches of the motion's journeys, and for inbound its landing page
    conversion (session -> demo request) and its accounts' segment mix."""

    motion: str
    channel: str
    theme: str
    weight: float
    cost: float
    touch_weight: float
    entry_rate: float = 0.0
    segment_mix: tuple[float, float, float] | None = None

    @property
    def name(self) -> str:
        return f"{self.motion}_{self.channel}_{self.theme}"


# Events (webinars, trade-show booths) bring inbound demo requests from larger companies.
EVENTS_SEGMENT_MIX = (0.20, 0.20, 0.60)

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("inbound", "paid_search", "brand", 0.13, 16.0, 0.10, 0.022),
    Campaign("inbound", "paid_search", "nonbrand", 0.13, 30.0, 0.05, 0.019),
    Campaign("inbound", "paid_search", "competitor", 0.07, 36.0, 0.02, 0.018),
    Campaign("inbound", "seo", "blog", 0.15, 0.0, 0.08, 0.014),
    Campaign("inbound", "seo", "comparison_pages", 0.10, 0.0, 0.05, 0.019),
    Campaign("inbound", "email", "newsletter", 0.08, 2.9, 0.15, 0.022),
    Campaign("inbound", "email", "nurture", 0.06, 3.4, 0.20, 0.027),
    Campaign("inbound", "direct", "unattributed", 0.15, 0.0, 0.25, 0.018),
    Campaign("inbound", "events", "webinar", 0.07, 46.0, 0.06, 0.050, EVENTS_SEGMENT_MIX),
    Campaign("inbound", "events", "trade_show_booth", 0.06, 109.0, 0.04, 0.060, EVENTS_SEGMENT_MIX),
    Campaign("abm", "events", "field_dinner", 0.12, 1200.0, 0.10),
    Campaign("abm", "events", "trade_show", 0.15, 800.0, 0.10),
    Campaign("abm", "events", "executive_roundtable", 0.08, 1100.0, 0.08),
    Campaign("abm", "email", "one_to_one", 0.20, 55.0, 0.22),
    Campaign("abm", "email", "account_nurture", 0.15, 35.0, 0.18),
    Campaign("abm", "paid_search", "target_accounts", 0.18, 400.0, 0.12),
    Campaign("abm", "paid_search", "retargeting", 0.12, 270.0, 0.10),
    Campaign("abm", "direct", "unattributed", 0.0, 0.0, 0.10),
    Campaign("partner", "partner", "referral", 0.50, 620.0, 0.30),
    Campaign("partner", "partner", "co_marketing", 0.30, 2300.0, 0.20),
    Campaign("partner", "partner", "marketplace", 0.20, 1380.0, 0.10),
    Campaign("partner", "email", "partner_nurture", 0.0, 0.0, 0.25),
    Campaign("partner", "direct", "unattributed", 0.0, 0.0, 0.15),
    Campaign("product_led", "paid_search", "signup", 0.30, 175.0, 0.15),
    Campaign("product_led", "seo", "templates", 0.25, 30.0, 0.10),
    Campaign("product_led", "content", "guides", 0.20, 120.0, 0.30),
    Campaign("product_led", "direct", "word_of_mouth", 0.25, 0.0, 0.20),
    Campaign("product_led", "email", "onboarding", 0.0, 0.0, 0.25),
)

# -- accounts and amounts ------------------------------------------------------------------------

# One account per EVENTS_PER_ACCOUNT requested events; TARGET_ACCOUNT_SHARE are on the ABM
# target list. Segment mixes are exact (apportioned), so every pool has every segment.
EVENTS_PER_ACCOUNT = 40
MIN_ACCOUNTS = 200
TARGET_ACCOUNT_SHARE = 0.12
NON_TARGET_SEGMENT_MIX = (0.58, 0.30, 0.12)
CONTACTS_PER_ACCOUNT = 20
# Mean opportunity amount (USD) per segment before the motion's deal multiplier. Amounts are
# log-logistic around the mean (AMOUNT_SPREAD is the scale of the log), stratified per motion
# and segment in time order, so a month's average amount sits close to the mean.
SEGMENT_MEAN_AMOUNT: tuple[float, ...] = (14_000.0, 34_000.0, 77_000.0)
AMOUNT_SPREAD = 0.35
# A closed-won amount is the opportunity amount times 0.8-1.1 (negotiation).
WON_AMOUNT_FACTOR = (0.8, 1.1)

# -- customers -----------------------------------------------------------------------------------

# Customers on --start-date (subscriptions without an opportunity): a share of the accounts,
# with ARR by segment (log-logistic around the mean), started 1-36 months before.
BASE_CUSTOMER_SHARE = 0.06
BASE_ARR_MEAN: tuple[float, ...] = (18_000.0, 42_000.0, 110_000.0)
BASE_STARTED_MONTHS_BEFORE = (1, 36)
TERM_MONTHS: tuple[int, ...] = (12, 24, 36)
TERM_SHARES: tuple[float, ...] = (0.75, 0.18, 0.07)
# Per renewal date: churn (the whole ARR) with this probability by segment, else renew,
# with an uplift of 3-8% of the subscription's ARR in RENEWAL_UPLIFT_SHARE of renewals.
CHURN_PER_RENEWAL: tuple[float, ...] = (0.16, 0.11, 0.06)
RENEWAL_UPLIFT_SHARE = 0.40
RENEWAL_UPLIFT = (0.03, 0.08)
# Per subscription year: an expansion (+15-65% of the subscription's ARR) or a contraction
# (-10-30%) with these probabilities by segment, on a random day of that year.
EXPANSION_PER_YEAR: tuple[float, ...] = (0.25, 0.40, 0.55)
EXPANSION_SIZE = (0.15, 0.65)
CONTRACTION_PER_YEAR: tuple[float, ...] = (0.10, 0.08, 0.06)
CONTRACTION_SIZE = (0.10, 0.30)
# Account health: AT_RISK_BEFORE_CHURN of churns are flagged at_risk 30-120 days before;
# FALSE_ALARM_SHARE of renewals are flagged too, then recovered 14-60 days later.
AT_RISK_BEFORE_CHURN = 0.80
AT_RISK_LEAD = Lag(30, 120)
FALSE_ALARM_SHARE = 0.08
RECOVERY_LAG = Lag(14, 60)
# Gross margin is plan data (seeds/gross_margin_plan.csv), used here to report CAC payback.
GROSS_MARGIN = 0.80

# -- injected effects ----------------------------------------------------------------------------

# The leak the inbound tree must find: the show rate (meetings held / meetings scheduled in
# the week) of inbound meetings of enterprise accounts sourced by events falls in three weeks
# and recovers afterwards; every other segment and channel keeps its rate.
LEAK_MOTION = "inbound"
LEAK_SEGMENT = "enterprise"
LEAK_CHANNEL = "events"
LEAK_WEEKS: tuple[dt.date, ...] = (
    dt.date(2026, 10, 5),
    dt.date(2026, 10, 12),
    dt.date(2026, 10, 19),
)
LEAK_SHOW_RATES: tuple[float, ...] = (0.50, 0.35, 0.20)
# A week holds at most SHOW_CAP x its planned show rate of the meetings that fall in it.
SHOW_CAP = 1.2

# The ABM effect: engagement episodes on target accounts fall by ABM_DROP_SHARE in these days
# (an audience sync to the ABM ad platform broke), so engaged target accounts drop in
# September-October 2026, and ABM meetings and pipeline follow one to two months later.
ABM_DROP_FIRST_DAY = dt.date(2026, 9, 7)
ABM_DROP_LAST_DAY = dt.date(2026, 10, 25)
ABM_DROP_SHARE = 0.50

# The planted lead (docs/raw_data.md, "Injected effects"): ABM plays run in bursts. Of each
# pair of weeks (week_number // 2) one is a high and one a low week for ABM (a coin per seed
# and pair says which), so a month keeps its volume: engagement episodes on target accounts
# start at ABM_WAVE_HIGH or ABM_WAVE_LOW times the week's share of the calendar (each cell's
# total unchanged: its episodes move between the weeks of a pair), and an ABM opportunity
# that qualifies in a week is worth the factor of the week ABM_LEAD_WEEKS earlier (its amount
# scaled; the factors average 1 over the calendar). So ABM engagement leads ABM pipeline by
# ABM_LEAD_WEEKS weeks, which kpi_driver_checks must find.
ABM_LEAD_WEEKS = 8
ABM_WAVE_HIGH = 1.5
ABM_WAVE_LOW = 0.5
# The decoy: ABM's ad spend follows the campaigns' calendar (ad_spend.py), never the wave, so
# the ABM tree's diagnostic spend -> pipeline_created (the edge most teams draw first) has
# no relation in the data at any lag, while the wave moves engagement and pipeline.
DECOY_NODE = ("abm", "spend", "pipeline_created")


def abm_wave_coin(seed: int, week: int) -> bool:
    """Whether a week (week_number) is the high ABM week of its pair: a fair coin per seed and
    pair picks the pair's first or second week."""
    digest = hashlib.sha256(f"abm_wave:{seed}:{week // 2}".encode()).digest()
    return digest[0] % 2 == week % 2


def abm_wave(seed: int, first_day: dt.date, last_day: dt.date) -> dict[int, float]:
    """{week_number: factor} for every week from ABM_LEAD_WEEKS before first_day's week to
    last_day's: ABM_WAVE_HIGH or ABM_WAVE_LOW, divided by their mean over the weeks of the
    range, so the factors of the calendar's weeks average exactly 1."""
    weeks = range(week_number(first_day) - ABM_LEAD_WEEKS, week_number(last_day) + 1)
    raw = {w: ABM_WAVE_HIGH if abm_wave_coin(seed, w) else ABM_WAVE_LOW for w in weeks}
    in_range = [raw[w] for w in weeks if w >= week_number(first_day)]
    mean = sum(in_range) / len(in_range)
    return {w: factor / mean for w, factor in raw.items()}


def effects() -> list[dict[str, Any]]:
    """The injected effects as planned (the report adds what was measured in the files)."""
    return [
        {
            "name": "inbound_show_rate_leak",
            "what": "meeting held rate (show rate) falls, then recovers",
            "table": "funnel_events",
            "motion": LEAK_MOTION,
            "segment": LEAK_SEGMENT,
            "channel": LEAK_CHANNEL,
            "stage": "meeting_scheduled -> meeting_held (meeting_held_rate)",
            "weeks": [w.isoformat() for w in LEAK_WEEKS],
            "planned_show_rate": list(LEAK_SHOW_RATES),
            "baseline_show_rate": FUNNEL[LEAK_MOTION].show_rate,
        },
        {
            "name": "abm_engagement_drop",
            "what": "engagement episodes on target accounts fall (engaged target accounts drop)",
            "table": "account_engagement",
            "motion": "abm",
            "accounts": "target accounts (accounts.is_target_account)",
            "first_day": ABM_DROP_FIRST_DAY.isoformat(),
            "last_day": ABM_DROP_LAST_DAY.isoformat(),
            "planned_drop": ABM_DROP_SHARE,
            "consequence": "fewer ABM meetings (14-60 days later), opportunities and pipeline",
        },
        {
            "name": "abm_engagement_lead",
            "what": "ABM engagement moves ABM pipeline created (qualified) weeks later",
            "table": "account_engagement, funnel_events",
            "motion": "abm",
            "edge": "abm: engaged_target_accounts -> target_account_pipeline",
            "lead_weeks": ABM_LEAD_WEEKS,
            "weekly_factors": [ABM_WAVE_LOW, ABM_WAVE_HIGH],
            "consequence": "kpi_driver_checks finds the edge's lag at 8 weeks, positive",
        },
        {
            "name": "decoy_diagnostic",
            "what": "a diagnostic drawn apart from its parent: no relation at any lag",
            "table": "ad_spend",
            "motion": DECOY_NODE[0],
            "edge": f"{DECOY_NODE[0]}: {DECOY_NODE[1]} -> {DECOY_NODE[2]}",
            "consequence": "kpi_driver_checks flags it (no relation); the warn test names it",
        },
    ]


def planned_funnels() -> dict[str, Any]:
    """Every motion's planned stage rates and lags, for the report and the docs."""
    out: dict[str, Any] = {}
    for f in FUNNELS:
        stages: dict[str, Any] = {}
        if f.name == "inbound":
            stages["landing_page_conversion"] = {
                c.name: c.entry_rate for c in CAMPAIGNS if c.motion == "inbound"
            }
        if f.name == "abm":
            stages["target_episode_share"] = ABM_TARGET_POOL_SHARE
        if f.name == "partner":
            stages["registration_accepted"] = {
                "rate": ACCEPT_RATE,
                "lag": DECISION_LAG.describe(),
                "slow_share": SLOW_DECISION_SHARE,
                "slow_lag": SLOW_DECISION_LAG.describe(),
            }
        if f.name == "product_led":
            stages["signup_to_activation"] = {
                "rate": ACTIVATION_RATE,
                "lag": ACTIVATION_LAG.describe(),
            }
            stages["activation_to_pqa"] = {"rate": PQA_RATE, "lag": PQA_LAG.describe()}
        if f.has_meetings:
            stages["to_meeting_scheduled"] = {
                "rate": f.to_meeting_rate,
                "lag": f.to_meeting_lag.describe(),
            }
            stages["meeting_held"] = {"rate": f.show_rate, "lag": f.meeting_lag.describe()}
        stages["opportunity_created"] = {
            "rate": f.opportunity_rate,
            "lag": f.opportunity_lag.describe(),
        }
        stages["opportunity_qualified"] = {"rate": f.qualify_rate, "lag": f.qualify_lag.describe()}
        stages["closed_won"] = {
            "rate": f.win_rate,
            "won_lag": f.won_lag.describe(),
            "lost_lag": f.lost_lag.describe(),
        }
        out[f.name] = {"entry": f.entry, "stages": stages}
    return out


# -- volumes -------------------------------------------------------------------------------------


def segment_mix(campaign: Campaign) -> tuple[float, float, float]:
    return campaign.segment_mix or FUNNEL[campaign.motion].segment_mix


def inbound_demo_rate() -> float:
    """The planned landing page conversion of all inbound sessions."""
    members = [c for c in CAMPAIGNS if c.motion == "inbound"]
    return sum(c.weight * c.entry_rate for c in members) / sum(c.weight for c in members)


def events_per_entry(funnel: Funnel) -> float:
    """Funnel events an entry of the motion leads to on average (ignoring the end-date cut)."""
    after_opportunity = 1 + funnel.qualify_rate * 2  # created, then qualified and closed
    after_held = 1 + funnel.opportunity_rate * after_opportunity
    after_scheduled = 1 + funnel.show_rate * after_held
    if funnel.name == "inbound":
        return 1 + inbound_demo_rate() * (1 + funnel.to_meeting_rate * after_scheduled)
    if funnel.name == "abm":
        return ABM_TARGET_POOL_SHARE * funnel.to_meeting_rate * after_scheduled
    if funnel.name == "partner":
        return ACCEPT_RATE * funnel.to_meeting_rate * after_scheduled
    return ACTIVATION_RATE * PQA_RATE * funnel.opportunity_rate * after_opportunity


@dataclass(frozen=True)
class Volumes:
    """What a requested number of valid funnel events implies for every table."""

    entries: dict[str, int]  # per motion: sessions, episodes, registrations, sign-ups
    accounts: int
    target_accounts: int
    base_customers: int
    partners: int


def plan_volumes(events: int) -> Volumes:
    per_session = sum(f.entries_per_session * events_per_entry(f) for f in FUNNELS)
    sessions = events / per_session
    entries = {f.name: max(1, round(sessions * f.entries_per_session)) for f in FUNNELS}
    accounts = max(MIN_ACCOUNTS, round(events / EVENTS_PER_ACCOUNT))
    return Volumes(
        entries=entries,
        accounts=accounts,
        target_accounts=max(24, round(accounts * TARGET_ACCOUNT_SHARE)),
        base_customers=max(10, round(accounts * BASE_CUSTOMER_SHARE)),
        partners=max(10, round(40 * math.sqrt(events / 1_000_000))),
    )


# Account pools an entry draws its account from: any account, target accounts, the others.
POOL_ANY = 0
POOL_TARGET = 1
POOL_NON_TARGET = 2


def pool_segment_sizes(volumes: Volumes) -> dict[int, list[int]]:
    """Accounts per pool and segment (segments are apportioned exactly within each pool)."""
    target = apportion(volumes.target_accounts, FUNNEL["abm"].segment_mix)
    other = apportion(volumes.accounts - volumes.target_accounts, NON_TARGET_SEGMENT_MIX)
    return {
        POOL_ANY: [t + o for t, o in zip(target, other, strict=True)],
        POOL_TARGET: target,
        POOL_NON_TARGET: other,
    }


def apportion(total: int, shares: tuple[float, ...]) -> list[int]:
    """Split total into integer parts by shares (cumulative rounding), each at least 1."""
    parts: list[int] = []
    cumulative, done = 0.0, 0
    scale = sum(shares)
    for share in shares:
        cumulative += total * share / scale
        part = max(1, round(cumulative) - done)
        parts.append(part)
        done += part
    parts[-1] = max(1, parts[-1] - (done - total))
    return parts

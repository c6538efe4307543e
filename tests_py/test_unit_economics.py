"""Unit economics on small hand-made raw data, with hand-computed answers, on both engines.

Seven accounts, from 2024 to the as-of date, 30 June 2026 (gross margin planned at 75%
in 2025 and 80% in 2026):
- a, b, c: customers before the data ($100,000, $50,000 and $50,000 ARR, 12-month
  terms); b contracts by $10,000 on 2025-06-01, a expands by $30,000 on 2025-09-01,
  c churns at its term end, 2026-03-01 (flagged at risk on 2026-01-15);
- e and d: won in Q2 2025 ($30,000 on 2025-05-20 after 40 days, $60,000 on
  2025-06-10 after 70 days), f lost on 2025-06-20; $90,000 spent in the quarter;
- g: won on 2026-02-15 ($40,000), $80,000 spent in Q1 2026.

The metric views must give the hand-computed numbers below, and, for every month and
quarter, the numbers a plain Python reading of the same raw rows gives (arr_on, below):
two independent computations of CAC, LTV, CAC payback, LTV:CAC, MER, logo churn, NRR and
GRR. The project is built on the selection the views need, once per engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from harness import Engine, copy_project, make_engine, run_dbt
from kpitree.generator.cli import main as generate
from kpitree.raw_tables import RAW_TABLES

ENGINES = ["duckdb", "postgres"]
AS_OF = dt.date(2026, 6, 30)
FIXTURE_VARS = f"{{kpi_as_of_date: '{AS_OF}'}}"
GROSS_MARGIN = {2025: 0.75, 2026: 0.80}
DAYS_PER_MONTH = 365 / 12  # a customer for a day is 12/365 of a customer-month

ACCOUNTS = {  # account: (segment, region)
    "acc_a": ("enterprise", "na"),
    "acc_b": ("mid_market", "emea"),
    "acc_c": ("smb", "na"),
    "acc_d": ("mid_market", "na"),
    "acc_e": ("smb", "apac"),
    "acc_f": ("smb", "na"),
    "acc_g": ("enterprise", "emea"),
}
SUBSCRIPTIONS = [  # subscription, account, opportunity, started_on, ARR
    ("sub_a", "acc_a", None, dt.date(2024, 1, 1), 100_000.0),
    ("sub_b", "acc_b", None, dt.date(2024, 2, 1), 50_000.0),
    ("sub_c", "acc_c", None, dt.date(2024, 3, 1), 50_000.0),
    ("sub_e", "acc_e", "opp_e", dt.date(2025, 5, 20), 30_000.0),
    ("sub_d", "acc_d", "opp_d", dt.date(2025, 6, 10), 60_000.0),
    ("sub_g", "acc_g", "opp_g", dt.date(2026, 2, 15), 40_000.0),
]
CHANGES = [  # change, subscription, type, effective_on, ARR change
    ("chg_01", "sub_a", "renewal", dt.date(2025, 1, 1), 0.0),
    ("chg_02", "sub_b", "renewal", dt.date(2025, 2, 1), 0.0),
    ("chg_03", "sub_c", "renewal", dt.date(2025, 3, 1), 0.0),
    ("chg_04", "sub_b", "contraction", dt.date(2025, 6, 1), -10_000.0),
    ("chg_05", "sub_a", "expansion", dt.date(2025, 9, 1), 30_000.0),
    ("chg_06", "sub_a", "renewal", dt.date(2026, 1, 1), 0.0),
    ("chg_07", "sub_b", "renewal", dt.date(2026, 2, 1), 0.0),
    ("chg_08", "sub_c", "churn", dt.date(2026, 3, 1), -50_000.0),
    ("chg_09", "sub_e", "renewal", dt.date(2026, 5, 20), 1_500.0),
    ("chg_10", "sub_d", "renewal", dt.date(2026, 6, 10), 0.0),
]
HEALTH = [  # flag, account, flagged_on, status, reason
    ("flg_1", "acc_b", dt.date(2025, 12, 1), "at_risk", "budget_cut"),
    ("flg_2", "acc_b", dt.date(2026, 1, 10), "recovered", "new_champion"),
    ("flg_3", "acc_c", dt.date(2026, 1, 15), "at_risk", "low_usage"),
]
OPPORTUNITIES = [  # opportunity, account, motion, channel, created_on, closed_on, won, amount
    ("opp_d", "acc_d", "abm", "events", dt.date(2025, 4, 1), dt.date(2025, 6, 10), True, 60_000.0),
    ("opp_e", "acc_e", "inbound", "paid_search", dt.date(2025, 4, 10), dt.date(2025, 5, 20),
     True, 30_000.0),
    ("opp_f", "acc_f", "inbound", "seo", dt.date(2025, 4, 20), dt.date(2025, 6, 20), False,
     25_000.0),
    ("opp_g", "acc_g", "inbound", "events", dt.date(2026, 1, 16), dt.date(2026, 2, 15), True,
     40_000.0),
]  # fmt: skip
SPEND = [  # day, motion, channel, USD
    (dt.date(2025, 4, 15), "inbound", "paid_search", 30_000.0),
    (dt.date(2025, 5, 15), "inbound", "paid_search", 30_000.0),
    (dt.date(2025, 6, 15), "abm", "events", 30_000.0),
    (dt.date(2026, 1, 20), "inbound", "events", 40_000.0),
    (dt.date(2026, 2, 20), "inbound", "events", 40_000.0),
]
METRICS = [
    "customer_acquisition_cost",
    "customer_lifetime_value",
    "cac_payback_months",
    "ltv_to_cac",
    "marketing_efficiency_ratio",
    "logo_churn_rate",
    "net_revenue_retention",
    "gross_revenue_retention",
    "win_rate",
    "average_deal_size",
    "sales_cycle_days",
    "at_risk_accounts",
]

# --- the raw rows ------------------------------------------------------------------


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def raw_rows() -> dict[str, list[tuple[Any, ...]]]:
    """The fixture's rows, in the raw contract's columns (docs/raw_data.md)."""
    events = []
    for opportunity, account, motion, channel, created, closed, won, amount in OPPORTUNITIES:
        outcome = "closed_won" if won else "closed_lost"
        for event_type, day, value in (
            ("opportunity_created", created, amount),
            (outcome, closed, amount if won else None),
        ):
            events.append((
                f"evt_{opportunity}_{event_type}", at(day), account, f"ctc_{account}",
                opportunity, event_type, motion, channel, f"{motion}_{channel}_fixture",
                value, "USD" if value is not None else None, "crm", at(day, 11),
            ))  # fmt: skip
    return {
        "funnel_events": events,
        "ad_spend": [
            (day, channel, motion, f"{motion}_{channel}_fixture", usd)
            for day, motion, channel, usd in SPEND
        ],
        "accounts": [
            (account, segment, False, region) for account, (segment, region) in ACCOUNTS.items()
        ],
        "subscriptions": [
            (subscription, account, opportunity, started, 12, arr, at(started, 12))
            for subscription, account, opportunity, started, arr in SUBSCRIPTIONS
        ],
        "subscription_changes": [
            (change, subscription, account_of(subscription), kind, day, delta, at(day, 12))
            for change, subscription, kind, day, delta in CHANGES
        ],
        "account_health": [
            (flag, account, day, status, reason, at(day, 12))
            for flag, account, day, status, reason in HEALTH
        ],
    }


def account_of(subscription: str) -> str:
    return next(row[1] for row in SUBSCRIPTIONS if row[0] == subscription)


def write_raw(raw_dir: Path, template_dir: Path) -> None:
    """Every raw table as parquet in the generator's columns: the fixture's rows, empty
    for the tables it does not use (the project's staging reads them all)."""
    assert generate(["--events", "2000", "--output-dir", str(template_dir), "--quiet"]) == 0
    rows = raw_rows()
    connection = duckdb.connect()
    for table in RAW_TABLES:
        connection.execute(
            f"create table {table} as select * "
            f"from read_parquet('{template_dir}/{table}/*.parquet') limit 0"
        )
        if table in rows:
            width = len(rows[table][0])
            connection.executemany(
                f"insert into {table} values ({', '.join(['?'] * width)})", rows[table]
            )
        (raw_dir / table).mkdir(parents=True)
        connection.execute(f"copy {table} to '{raw_dir}/{table}/part-0.parquet'")
    connection.close()


def write_gross_margin_plan(project: Path) -> None:
    with (project / "seeds" / "gross_margin_plan.csv").open("w") as handle:
        handle.write("month_start,gross_margin\n")
        for year, margin in GROSS_MARGIN.items():
            for month in range(1, 13):
                handle.write(f"{year}-{month:02d}-01,{margin}\n")


@pytest.fixture(scope="module", params=ENGINES)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The fixture built on one engine: only the metric views of METRICS and what they need."""
    workdir = tmp_path_factory.mktemp(f"unit-economics-{request.param}")
    project = copy_project(workdir / "project")
    write_gross_margin_plan(project)
    raw_dir = workdir / "raw"
    write_raw(raw_dir, workdir / "template")
    engine = make_engine(request.param, workdir)
    try:
        engine.load_raw(raw_dir)
        selection = " ".join(f"+{metric}" for metric in METRICS)
        run_dbt(
            ["build", "--select", selection, "--exclude-resource-type", "test",
             "--vars", FIXTURE_VARS],
            engine.env, workdir / "target", project_dir=project,
        )  # fmt: skip
        yield engine
    finally:
        engine.drop_schemas()


def view_values(engine: Engine, grain: str) -> dict[tuple[str, dt.date], float | None]:
    """{(metric, period start): value} of the views, in total."""
    values = {}
    for metric in METRICS:
        for period_start, value in engine.query(
            f"select period_start, value from {engine.relation('metrics', metric)} "
            f"where grain = '{grain}' and breakdown = 'total'"
        ):
            day = period_start if isinstance(period_start, dt.date) else period_start.date()
            values[(metric, day)] = None if value is None else float(value)
    return values


# --- the same numbers, read from the raw rows in plain Python ------------------------


def arr_on(account: str, day: dt.date) -> float:
    """An account's ARR on a day: its subscriptions' starting ARR and every change by then."""
    started = sum(arr for _, acc, _, start, arr in SUBSCRIPTIONS if acc == account and start <= day)
    changed = sum(
        delta for _, sub, _, effective, delta in CHANGES
        if account_of(sub) == account and effective <= day
    )  # fmt: skip
    return started + changed


def a_year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1)


@dataclass
class Period:
    start: dt.date
    end: dt.date  # the last day, the as-of date at the latest

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def recompute(period: Period) -> dict[str, float | None]:
    """Every metric of METRICS for one period, from the raw rows."""
    customer_days = arr_days = gross_profit = 0.0
    new_customers = churned = 0
    for day in period.days():
        for account in ACCOUNTS:
            now, before = arr_on(account, day), arr_on(account, day - dt.timedelta(days=1))
            customer_days += now > 0
            arr_days += now
            gross_profit += now / 365 * GROSS_MARGIN[day.year]
            new_customers += before <= 0 < now
            churned += now <= 0 < before
    spend = sum(usd for day, *_, usd in SPEND if period.holds(day))
    closed = [row for row in OPPORTUNITIES if period.holds(row[5])]
    won = [row for row in closed if row[6]]
    won_arr = sum(row[7] for row in won)
    won_margin_mrr = sum(row[7] * GROSS_MARGIN[row[5].year] / 12 for row in won)
    then = {account: arr_on(account, a_year_before(period.end)) for account in ACCOUNTS}
    cohort = [account for account, arr in then.items() if arr > 0]
    starting = sum(then[account] for account in cohort)
    kept = sum(arr_on(account, period.end) for account in cohort)
    retained = sum(min(arr_on(account, period.end), then[account]) for account in cohort)
    at_risk = sum(
        1 for account in ACCOUNTS
        if arr_on(account, period.end) > 0 and latest_flag(account, period.end) == "at_risk"
    )  # fmt: skip

    def ratio(numerator: float, denominator: float) -> float | None:
        return numerator / denominator if denominator else None

    cac = ratio(spend, new_customers)
    ltv = ratio(gross_profit, churned)
    return {
        "customer_acquisition_cost": cac,
        "customer_lifetime_value": ltv,
        "cac_payback_months": ratio(spend, won_margin_mrr),
        "ltv_to_cac": None if ltv is None or cac is None else ratio(ltv, cac),
        "marketing_efficiency_ratio": ratio(arr_days / 365, spend),
        "logo_churn_rate": ratio(churned, customer_days / DAYS_PER_MONTH),
        "net_revenue_retention": ratio(kept, starting),
        "gross_revenue_retention": ratio(retained, starting),
        "win_rate": ratio(len(won), len(closed)),
        "average_deal_size": ratio(won_arr, len(won)),
        "sales_cycle_days": ratio(sum((row[5] - row[4]).days for row in won), len(won)),
        "at_risk_accounts": float(at_risk),
    }


def latest_flag(account: str, day: dt.date) -> str | None:
    flags = sorted((flagged, flag, status) for flag, acc, flagged, status, _ in HEALTH
                   if acc == account and flagged <= day)  # fmt: skip
    return flags[-1][2] if flags else None


def periods(grain: str) -> list[Period]:
    """The months or quarters from the calendar's start to the as-of date."""
    step = 1 if grain == "month" else 3
    found, year, month = [], 2025, 1
    while dt.date(year, month, 1) <= AS_OF:
        next_year, next_month = (year + (month + step - 1) // 12, (month + step - 1) % 12 + 1)
        end = dt.date(next_year, next_month, 1) - dt.timedelta(days=1)
        found.append(Period(dt.date(year, month, 1), min(end, AS_OF)))
        year, month = next_year, next_month
    return found


def same(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)


# --- the tests -----------------------------------------------------------------------------

Q2_2025, Q1_2026, Q2_2026 = dt.date(2025, 4, 1), dt.date(2026, 1, 1), dt.date(2026, 4, 1)
# Q1 2026: ARR-days of a, b, c (to 28 February), d, e and g (from 15 February)
Q1_2026_ARR_DAYS = (
    130_000 * 90 + 40_000 * 90 + 50_000 * 59 + 60_000 * 90 + 30_000 * 90 + 40_000 * 45
)


def test_acquisition_cost_and_payback_by_hand(built: Engine) -> None:
    quarter = view_values(built, "quarter")
    # Q2 2025: $90,000 of spend, two new customers (e, d), $90,000 of new ARR at 75%
    assert same(quarter[("customer_acquisition_cost", Q2_2025)], 90_000 / 2)
    assert same(quarter[("cac_payback_months", Q2_2025)], 90_000 / (90_000 * 0.75 / 12))  # 16
    assert same(quarter[("win_rate", Q2_2025)], 2 / 3)  # f lost
    assert same(quarter[("average_deal_size", Q2_2025)], 45_000)
    assert same(quarter[("sales_cycle_days", Q2_2025)], (40 + 70) / 2)
    # no customer churned in Q2 2025: no lifetime, so no LTV and no LTV:CAC
    assert quarter[("customer_lifetime_value", Q2_2025)] is None
    assert quarter[("ltv_to_cac", Q2_2025)] is None
    # Q1 2026: $80,000 of spend, one new customer (g, $40,000 at 80%)
    assert same(quarter[("customer_acquisition_cost", Q1_2026)], 80_000)
    assert same(quarter[("cac_payback_months", Q1_2026)], 80_000 / (40_000 * 0.80 / 12))  # 30


def test_lifetime_value_by_hand(built: Engine) -> None:
    quarter = view_values(built, "quarter")
    # Q1 2026: LTV = ARPU x gross margin / monthly logo churn = the quarter's gross
    # profit per customer lost (c): 80% of the ARR-days / 365
    customer_days = 90 + 90 + 59 + 90 + 90 + 45
    ltv = 0.80 * Q1_2026_ARR_DAYS / 365 / 1
    assert same(quarter[("customer_lifetime_value", Q1_2026)], ltv)
    assert same(quarter[("logo_churn_rate", Q1_2026)], 1 / (customer_days / DAYS_PER_MONTH))
    assert same(quarter[("ltv_to_cac", Q1_2026)], ltv / 80_000)
    assert same(quarter[("marketing_efficiency_ratio", Q1_2026)], Q1_2026_ARR_DAYS / 365 / 80_000)


def test_retention_of_a_known_cohort_by_hand(built: Engine) -> None:
    quarter, month = view_values(built, "quarter"), view_values(built, "month")
    # 31 March 2026: the cohort is a, b, c, the customers of 31 March 2025 ($200,000 then);
    # now a $130,000 (expanded), b $40,000 (contracted), c $0 (churned)
    for values, period in ((quarter, Q1_2026), (month, dt.date(2026, 3, 1))):
        assert same(values[("net_revenue_retention", period)], (130_000 + 40_000 + 0) / 200_000)
        assert same(values[("gross_revenue_retention", period)], (100_000 + 40_000 + 0) / 200_000)
    # 30 June 2026: the cohort of 30 June 2025 adds e and d, and takes b at its own ARR then
    # ($40,000, after the contraction): not the ARR of the period's start
    starting = 100_000 + 40_000 + 50_000 + 60_000 + 30_000
    assert same(
        quarter[("net_revenue_retention", Q2_2026)],
        (130_000 + 40_000 + 0 + 60_000 + 31_500) / starting,
    )
    assert same(
        quarter[("gross_revenue_retention", Q2_2026)],
        (100_000 + 40_000 + 0 + 60_000 + 30_000) / starting,
    )
    # a quarter reads its last day: February 2026's NRR is not the quarter's
    assert same(month[("net_revenue_retention", dt.date(2026, 2, 1))], 220_000 / 200_000)
    # at risk: b on 31 December (recovered on 10 January), c on 31 January and 28 February
    month_ends = [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    assert [month[("at_risk_accounts", m)] for m in month_ends] == [1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_every_period_matches_the_raw_rows(built: Engine, grain: str) -> None:
    views = view_values(built, grain)
    mismatches = []
    for period in periods(grain):
        for metric, expected in recompute(period).items():
            actual = views.get((metric, period.start))
            if not same(actual, expected) and not (actual is None and expected == 0):
                mismatches.append(f"{metric} {period.start}: view {actual}, raw rows {expected}")
    assert not mismatches, "\n".join(mismatches)

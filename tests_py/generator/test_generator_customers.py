"""The customer lifecycle: subscriptions, ARR changes, health flags, unit economics."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from raw_contract import connect, report

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_closed_won_starts_a_subscription(default_size: Path) -> None:
    con = connect(default_size)
    found = con.execute(
        """
        select
            count(*),
            count(s.subscription_id),
            count(*) filter (where s.arr is distinct from w.amount),
            count(*) filter (where s.started_on is distinct from w.occurred_at::date),
            count(*) filter (where s.account_id is distinct from w.account_id)
        from clean_funnel_events as w
        left join clean_subscriptions as s using (opportunity_id)
        where w.event_type = 'closed_won'
        """
    ).fetchone()
    won, subscribed, wrong_arr, wrong_day, wrong_account = found
    assert won == subscribed > 500 and wrong_arr == wrong_day == wrong_account == 0
    base = con.execute(
        """
        select count(*), max(started_on), min(started_on), count(distinct account_id)
        from clean_subscriptions where opportunity_id is null
        """
    ).fetchone()
    assert base[0] > 1000 and base[0] == base[3]  # one per customer account
    assert base[1] < dt.date(2025, 1, 1) and base[2] >= dt.date(2021, 12, 1)
    terms = dict(
        con.execute("select term_months, count(*) from clean_subscriptions group by 1").fetchall()
    )
    assert set(terms) == {12, 24, 36} and terms[12] > terms[24] > terms[36]


def test_earlier_customers_renew_all_year_round(default_size: Path) -> None:
    """The customers on --start-date started over 36 months, so every month has renewals, and
    draws taken after a selection (which customers, which renewals get a false alarm) are not
    tied to it: every at_risk and recovered reason occurs."""
    con = connect(default_size)
    started_by_year = dict(
        con.execute(
            "select year(started_on), count(*) from clean_subscriptions "
            "where opportunity_id is null group by 1"
        ).fetchall()
    )
    assert set(started_by_year) == {2022, 2023, 2024}  # 1-36 months before 2025-01-01
    assert min(started_by_year.values()) > 0.2 * sum(started_by_year.values())
    renewals_by_month = dict(
        con.execute(
            "select month(effective_on), count(*) from clean_subscription_changes "
            "where change_type = 'renewal' and year(effective_on) = 2025 group by 1"
        ).fetchall()
    )
    assert len(renewals_by_month) == 12
    assert min(renewals_by_month.values()) > 0.4 * max(renewals_by_month.values())
    reasons = {
        row[0] for row in con.execute("select distinct reason from clean_account_health").fetchall()
    }
    assert reasons == {
        "low_usage",
        "champion_left",
        "budget_cut",
        "support_escalation",
        "competitor_evaluation",
        "usage_recovered",
        "new_champion",
        "executive_sponsor",
    }


def test_arr_rolls_forward_exactly_per_account(default_size: Path) -> None:
    """start + new + expansion + renewal uplift - contraction - churn = end, per account."""
    con = connect(default_size)
    start, end = dt.date(2026, 1, 1), dt.date(2026, 11, 15)
    broken = con.execute(
        f"""
        with subscriptions as (
            select subscription_id, account_id, started_on, arr from clean_subscriptions
        ),
        changes as (
            select c.*, s.started_on
            from clean_subscription_changes as c inner join subscriptions as s
                using (subscription_id)
        ),
        arr_on as (
            select
                s.account_id,
                sum(s.arr) filter (where s.started_on < date '{start}')
                    + coalesce((select sum(c.arr_change) from changes as c
                        where c.account_id = s.account_id and c.effective_on < date '{start}'), 0)
                    as arr_start,
                sum(s.arr) filter (where s.started_on <= date '{end}')
                    + coalesce((select sum(c.arr_change) from changes as c
                        where c.account_id = s.account_id and c.effective_on <= date '{end}'), 0)
                    as arr_end,
                sum(s.arr) filter (where s.started_on between date '{start}' and date '{end}')
                    as new_arr
            from subscriptions as s
            group by s.account_id
        ),
        movements as (
            select
                account_id,
                sum(arr_change) filter (where change_type = 'expansion') as expansion,
                sum(arr_change) filter (where change_type = 'renewal') as uplift,
                -sum(arr_change) filter (where change_type = 'contraction') as contraction,
                -sum(arr_change) filter (where change_type = 'churn') as churn
            from changes
            where effective_on between date '{start}' and date '{end}'
            group by 1
        )
        select count(*), count(*) filter (
            where coalesce(a.arr_start, 0) + coalesce(a.new_arr, 0) + coalesce(m.expansion, 0)
                + coalesce(m.uplift, 0) - coalesce(m.contraction, 0) - coalesce(m.churn, 0)
                is distinct from coalesce(a.arr_end, 0)
        )
        from arr_on as a left join movements as m using (account_id)
        """
    ).fetchone()
    assert broken[0] > 1000 and broken[1] == 0


def test_churn_takes_the_whole_arr_and_ends_the_subscription(default_size: Path) -> None:
    con = connect(default_size)
    found = con.execute(
        """
        with running as (
            select
                c.*,
                s.arr + sum(c.arr_change) over (
                    partition by c.subscription_id order by c.effective_on, c.change_id
                ) as arr_after,
                row_number() over (
                    partition by c.subscription_id order by c.effective_on desc, c.change_id desc
                ) as from_last
            from clean_subscription_changes as c
            inner join clean_subscriptions as s using (subscription_id)
        )
        select
            count(*) filter (where change_type = 'churn'),
            count(*) filter (where change_type = 'churn' and arr_after <> 0),
            count(*) filter (where change_type = 'churn' and from_last <> 1),
            count(*) filter (where arr_after < 0),
            count(*) filter (where change_type = 'expansion' and arr_change <= 0),
            count(*) filter (where change_type = 'contraction' and arr_change >= 0),
            count(*) filter (where change_type = 'renewal' and arr_change < 0)
        from running
        """
    ).fetchone()
    churns, not_zero, not_last, negative, *wrong_signs = found
    assert churns > 100 and not_zero == not_last == negative == 0
    assert wrong_signs == [0, 0, 0]
    renewals = dict(
        con.execute(
            "select arr_change > 0, count(*) from clean_subscription_changes "
            "where change_type = 'renewal' group by 1"
        ).fetchall()
    )
    assert renewals[True] > 0 and renewals[False] > renewals[True]  # some renew with an uplift


def test_at_risk_flags_come_before_most_churns_and_some_recover(default_size: Path) -> None:
    con = connect(default_size)
    flagged, churns = con.execute(
        """
        select
            count(*) filter (where exists (
                select 1 from clean_account_health as h
                where h.account_id = c.account_id and h.status = 'at_risk'
                    and h.flagged_on between c.effective_on - 120 and c.effective_on - 30
            )),
            count(*)
        from clean_subscription_changes as c
        where c.change_type = 'churn' and c.effective_on >= date '2025-05-01'
        """
    ).fetchone()
    assert flagged / churns == pytest.approx(0.8, abs=0.08)
    recovered = con.execute(
        """
        select
            count(*),
            count(*) filter (where not exists (
                select 1 from clean_account_health as a
                where a.account_id = r.account_id and a.status = 'at_risk'
                    and a.flagged_on between r.flagged_on - 120 and r.flagged_on - 14
            ))
        from clean_account_health as r
        where r.status = 'recovered'
        """
    ).fetchone()
    assert recovered[0] > 10 and recovered[1] == 0


def test_unit_economics_sit_in_the_benchmark_bands(default_size: Path) -> None:
    economics = report(default_size)["unit_economics"]
    assert 0.25 <= economics["win_rate"] <= 0.35
    assert 1.00 <= economics["net_revenue_retention"] <= 1.20
    assert 0.08 <= economics["logo_churn"] <= 0.16
    assert economics["monthly_revenue_churn"] < 0.02
    assert 12 <= economics["cac_payback_months"] <= 18


def test_gross_margin_plan_covers_every_month(default_size: Path) -> None:
    del default_size
    with (REPO_ROOT / "seeds" / "gross_margin_plan.csv").open(encoding="utf-8") as stream:
        plan = list(csv.DictReader(stream))
    assert list(plan[0]) == ["month_start", "gross_margin"]
    months = [dt.date.fromisoformat(row["month_start"]) for row in plan]
    assert months[0] == dt.date(2025, 1, 1) and months[-1] >= dt.date(2026, 12, 1)
    assert all(m.day == 1 for m in months) and len(set(months)) == len(months)
    assert all(0.78 <= float(row["gross_margin"]) <= 0.82 for row in plan)

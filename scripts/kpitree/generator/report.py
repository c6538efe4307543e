"""generation_report.json: what was written, counted from the written files, next to the plan.

- `tables`: per raw table, rows written, valid rows (distinct ids among rows without a
  defect) and injected rows per bad-row class. A row's defect is the first class whose check
  holds (each injected row has exactly one); among rows without a defect, rows beyond the
  first per key are re-sent duplicates.
- `rows`, `valid_events`, `events_by_type`, `injected`: the same for funnel_events, as before.
- `plan`: every motion's planned stage rates and lags; `measured`: the stage counts, rates
  and lags of the valid rows; `effects`: each injected effect, planned and measured;
  `unit_economics`: win rate, NRR, churn and CAC payback over the last twelve months.

Valid rows are read through `clean_<table>` views: no defect, one row per key (the latest
ingested version).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from kpitree.generator.context import Options, sql_literal
from kpitree.generator.funnel_events import EVENT_TYPES
from kpitree.generator.plan import (
    ABM_DROP_FIRST_DAY,
    GROSS_MARGIN,
    LEAK_CHANNEL,
    LEAK_MOTION,
    LEAK_SEGMENT,
    LEAK_WEEKS,
    MOTIONS,
    effects,
    planned_funnels,
)
from kpitree.generator.tables import DUPLICATE, RawTable

STAGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("high_intent_session", "demo_request"),
    ("demo_request", "meeting_scheduled"),
    ("meeting_scheduled", "meeting_held"),
    ("meeting_held", "opportunity_created"),
    ("opportunity_created", "opportunity_qualified"),
    ("opportunity_qualified", "closed_won"),
    ("opportunity_qualified", "closed_lost"),
)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def defect_case(table: RawTable) -> str:
    whens = " ".join(f"when {d.check} then {sql_literal(d.name)}" for d in table.defects)
    return f"case {whens} end" if whens else "null"


def create_clean_views(
    con: duckdb.DuckDBPyConnection, tables: list[RawTable], paths: dict[str, Path]
) -> None:
    """clean_<table>: the valid rows, one per key. For funnel_events a table without the
    sessions (every measure here reads the later stages; session counts come from
    table_counts), so the million-row dedupe runs once."""
    for table in tables:
        source = f"read_parquet({sql_literal(str(paths[table.name]))})"
        order = "ingested_at desc, 1" if table.resend else "1"
        sessions = table.name == "funnel_events"
        con.execute(
            f"""
            create or replace {"temp table" if sessions else "view"} clean_{table.name} as
            select * from {source}
            where ({defect_case(table)}) is null
                {"and event_type <> 'high_intent_session'" if sessions else ""}
            qualify row_number() over (partition by {table.key} order by {order}) = 1
            """
        )


def table_counts(
    con: duckdb.DuckDBPyConnection, table: RawTable, path: Path, by: str = "null"
) -> dict[str, Any]:
    """Rows, valid rows and injected rows per class; with `by` (a column that re-sends of a
    row share, such as event_type), valid rows by it too. One pass: distinct keys add up
    over the groups of `by` because a key never spans two of them."""
    counted = rows(
        con,
        f"""
        select defect, {by}, count(*), count(distinct {table.key})
        from (
            select *, {defect_case(table)} as defect
            from read_parquet({sql_literal(str(path))})
        )
        group by all
        """,
    )
    injected = dict.fromkeys(table.classes, 0)
    total = valid = resent = 0
    valid_by: dict[Any, int] = {}
    for defect, group, n_rows, n_keys in counted:
        total += int(n_rows)
        if defect is None:
            valid += int(n_keys)
            resent += int(n_rows) - int(n_keys)
            valid_by[group] = int(n_keys)
        else:
            injected[defect] += int(n_rows)
    injected[DUPLICATE] = resent
    return {"rows": total, "valid_rows": valid, "injected": injected, "valid_by": valid_by}


def measured_funnels(con: duckdb.DuckDBPyConnection, sessions: int) -> dict[str, Any]:
    """Stage counts of valid funnel events, stage-to-stage rates and lags, per motion.

    Lags link the stages of a journey by (motion, campaign, account, contact), over journeys
    with one event of each of the two stages (almost all).
    """
    counts = rows(
        con,
        "select motion, event_type, count(*) from clean_funnel_events group by 1, 2",
    )
    by_motion: dict[str, dict[str, int]] = {m: dict.fromkeys(EVENT_TYPES, 0) for m in MOTIONS}
    for motion, event_type, n in counts:
        by_motion[motion][event_type] = int(n)
    by_motion["inbound"]["high_intent_session"] = sessions  # only inbound has sessions
    pairs = " union all ".join(
        f"select {sql_literal(a)} as from_type, {sql_literal(b)} as to_type" for a, b in STAGE_PAIRS
    )
    lags = rows(
        con,
        f"""
        with keyed as (
            select
                motion, campaign, account_id, contact_id, event_type, occurred_at,
                count(*) over (
                    partition by motion, campaign, account_id, contact_id, event_type
                ) as copies
            from clean_funnel_events
        ),
        single as (select * from keyed where copies = 1),
        pairs as ({pairs})
        select
            a.motion,
            p.from_type,
            p.to_type,
            round(avg(epoch(b.occurred_at - a.occurred_at)) / 86400, 2),
            round(median(epoch(b.occurred_at - a.occurred_at)) / 86400, 2)
        from pairs as p
        inner join single as a on a.event_type = p.from_type
        inner join single as b
            on b.event_type = p.to_type
            and a.motion = b.motion
            and a.campaign = b.campaign
            and a.account_id = b.account_id
            and a.contact_id = b.contact_id
            and b.occurred_at >= a.occurred_at
        group by 1, 2, 3
        """,
    )
    lag_of = {(m, a, b): (mean, median) for m, a, b, mean, median in lags}
    out: dict[str, Any] = {}
    for motion, stage_counts in by_motion.items():
        stages = {}
        for a, b in STAGE_PAIRS:
            if stage_counts[a] == 0 or stage_counts[b] == 0:
                continue
            rate = stage_counts[b] / stage_counts[a]
            if b in ("closed_won", "closed_lost"):
                closed = stage_counts["closed_won"] + stage_counts["closed_lost"]
                rate = stage_counts[b] / closed
            mean, median = lag_of.get((motion, a, b), (None, None))
            stages[f"{a}->{b}"] = {
                "rate": round(rate, 4),
                "mean_lag_days": mean,
                "median_lag_days": median,
            }
        out[motion] = {"events": stage_counts, "stages": stages}
    return out


def weekly_show_rates(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Inbound show rate per week around the leak: the leaking cell, the rest, the total."""
    first = LEAK_WEEKS[0] - dt.timedelta(weeks=3)
    last = LEAK_WEEKS[-1] + dt.timedelta(weeks=3)
    found = rows(
        con,
        f"""
        with meetings as (
            select
                date_trunc('week', e.occurred_at)::date as week,
                e.event_type,
                a.segment = {sql_literal(LEAK_SEGMENT)}
                    and e.channel = {sql_literal(LEAK_CHANNEL)} as is_leak_cell
            from clean_funnel_events as e
            inner join clean_accounts as a on e.account_id = a.account_id
            where e.motion = {sql_literal(LEAK_MOTION)}
                and e.event_type in ('meeting_scheduled', 'meeting_held')
                and e.occurred_at >= date '{first}'
                and e.occurred_at < date '{last}' + 7
        )
        select
            week,
            count(*) filter (where event_type = 'meeting_held' and is_leak_cell),
            count(*) filter (where event_type = 'meeting_scheduled' and is_leak_cell),
            count(*) filter (where event_type = 'meeting_held' and not is_leak_cell),
            count(*) filter (where event_type = 'meeting_scheduled' and not is_leak_cell)
        from meetings
        group by 1
        order by 1
        """,
    )

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return [
        {
            "week": week.isoformat(),
            "leak_cell": ratio(h1, s1),
            "leak_cell_scheduled": s1,
            "rest_of_inbound": ratio(h2, s2),
            "inbound_total": ratio(h1 + h2, s1 + s2),
        }
        for week, h1, s1, h2, s2 in found
    ]


def engaged_target_accounts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Target accounts with engagement per month around the ABM drop, and a year before."""
    found = rows(
        con,
        """
        select
            date_trunc('month', e.occurred_at)::date as month,
            count(distinct e.account_id) filter (where a.is_target_account),
            count(distinct e.account_id) filter (where not a.is_target_account)
        from clean_account_engagement as e
        inner join clean_accounts as a on e.account_id = a.account_id
        group by 1
        order by 1
        """,
    )
    by_month = {month: (target, other) for month, target, other in found}
    out = []
    for month in sorted(by_month):
        if month < ABM_DROP_FIRST_DAY.replace(day=1) - dt.timedelta(days=92):
            continue
        last_year = month.replace(year=month.year - 1)
        target, other = by_month[month]
        out.append(
            {
                "month": month.isoformat(),
                "engaged_target_accounts": target,
                "same_month_last_year": by_month.get(last_year, (None, None))[0],
                "engaged_other_accounts": other,
            }
        )
    return out


def unit_economics(con: duckdb.DuckDBPyConnection, options: Options) -> dict[str, Any]:
    """Win rate, NRR, churn and CAC payback over the twelve months up to --end-date."""
    end = options.end_date
    start = end.replace(year=end.year - 1)
    if start < options.start_date:
        return {}
    found = rows(
        con,
        f"""
        with subs as (
            select subscription_id, account_id, started_on, arr, opportunity_id
            from clean_subscriptions
        ),
        changes as (
            select subscription_id, change_type, effective_on, arr_change
            from clean_subscription_changes
        ),
        arr_at as (
            select
                s.subscription_id,
                s.arr + coalesce(sum(c.arr_change) filter (
                    where c.effective_on <= date '{start}'), 0) as arr_start,
                s.arr + coalesce(sum(c.arr_change) filter (
                    where c.effective_on <= date '{end}'), 0) as arr_end,
                coalesce(sum(-c.arr_change) filter (
                    where c.change_type = 'churn' and c.effective_on > date '{start}'
                        and c.effective_on <= date '{end}'), 0) as churned,
                coalesce(sum(-c.arr_change) filter (
                    where c.change_type = 'contraction' and c.effective_on > date '{start}'
                        and c.effective_on <= date '{end}'), 0) as contracted,
                bool_or(c.change_type = 'churn' and c.effective_on > date '{start}'
                    and c.effective_on <= date '{end}') as has_churned
            from subs as s
            left join changes as c on s.subscription_id = c.subscription_id
            where s.started_on <= date '{start}'
            group by s.subscription_id, s.arr
        ),
        new_business as (
            select sum(arr) as new_arr
            from subs
            where opportunity_id is not null
                and started_on > date '{start}' and started_on <= date '{end}'
        ),
        spend as (
            select sum(spend) as spend from clean_ad_spend
            where spend_date > date '{start}' and spend_date <= date '{end}'
        ),
        outcomes as (
            select
                count(*) filter (where event_type = 'closed_won') as won,
                count(*) filter (where event_type = 'closed_lost') as lost
            from clean_funnel_events
            where occurred_at > date '{start}'
        )
        select
            sum(arr_start) filter (where arr_start > 0),
            sum(arr_end) filter (where arr_start > 0),
            sum(churned),
            sum(contracted),
            count(*) filter (where arr_start > 0),
            count(*) filter (where arr_start > 0 and has_churned),
            (select new_arr from new_business),
            (select spend from spend),
            (select won from outcomes),
            (select lost from outcomes)
        from arr_at
        """,
    )
    arr_start, arr_end, churned, contracted, logos, churned_logos, new_arr, spend, won, lost = (
        found[0]
    )
    if not arr_start or not new_arr or not spend:
        return {}
    return {
        "period": [start.isoformat(), end.isoformat()],
        "win_rate": round(won / (won + lost), 4) if won + lost else None,
        "net_revenue_retention": round(arr_end / arr_start, 4),
        "logo_churn": round(churned_logos / logos, 4),
        "monthly_revenue_churn": round((churned + contracted) / arr_start / 12, 4),
        "new_arr": round(new_arr),
        "spend": round(spend),
        "gross_margin": GROSS_MARGIN,
        "cac_payback_months": round(spend / (new_arr * GROSS_MARGIN) * 12, 1),
    }


def report_from_files(
    con: duckdb.DuckDBPyConnection,
    options: Options,
    tables: list[RawTable],
    paths: dict[str, Path],
) -> dict[str, Any]:
    """The generation report; every count is computed from the written parquet files."""
    per_table = {
        t.name: table_counts(
            con, t, paths[t.name], "event_type" if t.name == "funnel_events" else "null"
        )
        for t in tables
    }
    by_type = per_table["funnel_events"].pop("valid_by")
    for counts in per_table.values():
        counts.pop("valid_by", None)
    create_clean_views(con, tables, paths)
    funnel = per_table["funnel_events"]
    effect_list = effects()
    effect_list[0]["measured_weekly_show_rate"] = weekly_show_rates(con)
    effect_list[1]["measured_engaged_target_accounts"] = engaged_target_accounts(con)
    return {
        "seed": options.seed,
        "events_requested": options.events,
        "start_date": options.start_date.isoformat(),
        "end_date": options.end_date.isoformat(),
        "rows": {name: counts["rows"] for name, counts in per_table.items()},
        "valid_events": funnel["valid_rows"],
        "events_by_type": {t: int(by_type.get(t, 0)) for t in EVENT_TYPES},
        "injected": funnel["injected"],
        "tables": per_table,
        "plan": planned_funnels(),
        "measured": measured_funnels(con, by_type.get("high_intent_session", 0)),
        "effects": effect_list,
        "unit_economics": unit_economics(con, options),
    }

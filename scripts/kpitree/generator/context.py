"""One generation run: the options, the volumes, the DuckDB connection and SQL helpers.

The table modules (accounts.py, funnel_events.py, ...) are functions of a Context: they read
and create DuckDB tables through it. Intermediate tables hold numbers (day numbers,
microseconds since the epoch, codes into the vocabularies of plan.py); only the final
`select` of each raw table (tables.py) formats ids, timestamps and labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from kpitree.generator import randomness
from kpitree.generator.plan import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    Lag,
    Volumes,
    day_number,
)


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
    threads: int | None = None
    memory_limit: str | None = None
    # the CRM whose tables hold the business (crm_common.py), or "contract"
    crm: str = "contract"
    # also write the ad platforms' tables (ads.py)
    ads: bool = False
    # the billing system whose tables hold the subscriptions too (stripe.py), or "contract"
    billing: str = "contract"
    # also write the web analytics' events (ga4.py): "ga4", or "contract"; and their shape
    web: str = "contract"
    ga4_shape: str = "bigquery_export"


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def values_sql(rows: Sequence[Sequence[Any]]) -> str:
    def render(value: Any) -> str:
        if isinstance(value, str):
            return sql_literal(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value)

    return ", ".join("(" + ", ".join(render(v) for v in row) + ")" for row in rows)


def case_by_code(column: str, values: Sequence[Any], default: str = "null") -> str:
    """SQL CASE giving values[code] for an integer code column."""
    whens = " ".join(f"when {i} then {v!r}" for i, v in enumerate(values))
    return f"(case {column} {whens} else {default} end)"


class Context:
    """A generation run; see the module docstring."""

    def __init__(self, con: duckdb.DuckDBPyConnection, options: Options, volumes: Volumes):
        self.con = con
        self.o = options
        self.v = volumes
        self.seed = options.seed
        self.start_day = day_number(options.start_date)
        self.end_day = day_number(options.end_date)  # inclusive
        self.start_us = self.start_day * MICROS_PER_DAY
        self.end_us = (self.end_day + 1) * MICROS_PER_DAY  # exclusive: nothing occurs at or after

    # -- SQL execution -----------------------------------------------------------------------

    def run(self, sql: str) -> None:
        self.con.execute(sql)

    def scalar(self, sql: str) -> Any:
        row = self.con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    def create_values(self, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
        """Create a small table from Python rows, 1000 rows per insert."""
        self.run(f"create table {table} ({columns})")
        for start in range(0, len(rows), 1000):
            self.run(f"insert into {table} values {values_sql(rows[start : start + 1000])}")

    # -- draws (randomness.py) ---------------------------------------------------------------

    def u(self, *keys: str | int, name: str) -> str:
        """SQL for a uniform draw in [0, 1) keyed by the row's keys and a name."""
        return randomness.uniform(self.seed, keys, name)

    def h(self, *keys: str | int, name: str) -> str:
        """SQL for a 64-bit hash keyed by the row's keys and a name."""
        return randomness.hash_sql(self.seed, keys, name)

    def weyl(self, rank: str, decision: str, *partition: str | int) -> str:
        return randomness.weyl(self.seed, rank, decision, partition)

    @staticmethod
    def stratum_rank(time_column: str, partition: str, key: str = "jid") -> str:
        """SQL for a row's 0-based rank in time order within its stratum."""
        return f"(row_number() over (partition by {partition} order by {time_column}, {key}) - 1)"

    # -- time --------------------------------------------------------------------------------

    @staticmethod
    def lag_days(lag: Lag, q: str) -> str:
        """SQL for a lag in whole days from a draw q in [0, 1)."""
        if not lag.weights:
            return f"({lag.lo} + floor({q} * {lag.hi - lag.lo + 1})::bigint)"
        return f"({lag.lo} + {randomness.pick(q, lag.weights)})"

    @staticmethod
    def after(previous_us: str, days: str, u: str, weekdays_only: bool = False) -> str:
        """SQL for a time `days` whole days after previous_us (microseconds).

        0 days: later the same day; otherwise in business hours (08:00-18:00) of that day,
        moved to the Monday after when weekdays_only and it falls on a weekend.
        """
        day = f"({previous_us} // {MICROS_PER_DAY} + {days})"
        if weekdays_only:
            day = f"({day} + case ({day} + 3) % 7 when 5 then 2 when 6 then 1 else 0 end)"
        same_day = (
            f"{previous_us} + ((({previous_us} // {MICROS_PER_DAY} + 1) * {MICROS_PER_DAY} "
            f"- {previous_us}) * (0.02 + 0.9 * {u}))::bigint"
        )
        later = (
            f"{day} * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR} "
            f"+ ({u} * {10 * MICROS_PER_HOUR})::bigint"
        )
        if weekdays_only:
            return f"({later})"
        return f"(case when {days} = 0 then {same_day} else {later} end)"

    @staticmethod
    def time_in_day(day: str, u: str, business_share: float, hours: tuple[int, int]) -> str:
        """SQL for a time on a day: business_share of draws fall in the hours, the rest at any
        time of the day."""
        start, end = hours
        return (
            f"({day} * {MICROS_PER_DAY} + (case when {u} < {business_share} "
            f"then {start * MICROS_PER_HOUR} + {u} / {business_share} "
            f"* {(end - start) * MICROS_PER_HOUR} "
            f"else ({u} - {business_share}) / {1 - business_share!r} * {MICROS_PER_DAY} end"
            ")::bigint)"
        )

    @staticmethod
    def ingested(occurred_us: str, u: str, max_hours: int = 4) -> str:
        """SQL for a landing time 2 minutes to max_hours after occurred_us (mostly early)."""
        return (
            f"({occurred_us} + 120000000 + (pow({u}, 2) * {max_hours * MICROS_PER_HOUR})::bigint)"
        )

    @staticmethod
    def timestamp_of(us_column: str) -> str:
        return f"make_timestamptz({us_column})"

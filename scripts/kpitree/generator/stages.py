"""One step of a funnel: the rows of a stage that move on, and when.

Every stage of every motion moves on the same way: rank the stage's rows in time order
within their stratum (motion x segment x channel), keep a row when its stratified draw is
below the stage's rate, and give it the next stage's time, a stratified lag later
(randomness.py). `advance()` is that step; the motion modules chain it.
"""

from __future__ import annotations

from kpitree.generator.context import Context
from kpitree.generator.plan import Lag

STRATUM = "motion_code, segment_code, channel_code"
PARTITION: tuple[str, ...] = tuple(STRATUM.split(", "))


def by_motion(values: list[str] | list[float], column: str = "motion_code") -> str:
    """SQL CASE giving a per-motion value (SQL text or number) by motion code."""
    whens = " ".join(f"when {i} then {v}" for i, v in enumerate(values))
    return f"(case {column} {whens} end)"


def lag_by_motion(ctx: Context, lags: list[Lag], q: str) -> str:
    """SQL for a lag in days by motion code, from the draw q."""
    return by_motion([ctx.lag_days(lag, q) for lag in lags])


def advance(
    ctx: Context,
    table: str,
    source: str,
    since: str,
    at: str,
    decision: str,
    rate: str | float,
    lag: Lag | list[Lag],
    weekdays_only: bool = False,
) -> None:
    """Create `table` from the rows of `source` that pass `decision` at `rate` (SQL or a
    number), each with the time `at`, its lag (one Lag, or one per motion) after `since`.

    The decision and its lag are stratified draws on the row's rank in time order within its
    stratum (the lag's draw is named decision + "_lag"); the time of day is a hash draw.
    """
    q = ctx.weyl("rk", decision + "_lag", *PARTITION)
    days = lag_by_motion(ctx, lag, q) if isinstance(lag, list) else ctx.lag_days(lag, q)
    time_of_day = ctx.u("jid", name=at.removesuffix("_us") + "_time")
    time = ctx.after(since, days, time_of_day, weekdays_only)
    ctx.run(
        f"""
        create table {table} as
        with ranked as (
            select *, {ctx.stratum_rank(since, STRATUM)} as rk from {source}
        )
        select * exclude (rk), {time} as {at}
        from ranked
        where {ctx.weyl("rk", decision, *PARTITION)} < {rate}
        """
    )

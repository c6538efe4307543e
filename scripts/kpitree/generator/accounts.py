"""accounts: the CRM account list (one row per account), and the pools entries draw from.

One account per EVENTS_PER_ACCOUNT requested events. Account numbers are a scrambled
bijection of account slots: slots below target_accounts are the ABM target list, so target
accounts do not cluster by id. Segments are apportioned exactly within each pool (target
accounts are mostly enterprise and mid-market, the others mostly smb), so every pool has every
segment; regions are drawn by hash (na 50%, emea 30%, apac 12%, latam 8%).

`account_pool` numbers the accounts of each pool (any / target / non-target) and segment, so an
entry draws its account with one hash: pool_index = hash % pool size (plan.pool_segment_sizes).
"""

from __future__ import annotations

import math

from kpitree.generator.context import Context
from kpitree.generator.plan import (
    POOL_ANY,
    POOL_NON_TARGET,
    POOL_TARGET,
    REGION_SHARES,
    REGIONS,
    SEGMENTS,
    pool_segment_sizes,
)
from kpitree.generator.randomness import pick
from kpitree.generator.tables import RawTable, id_sql, lookup, missing, unknown, width

UNKNOWN_SEGMENTS: tuple[str, ...] = ("corporate", "startup")


def account_width(ctx: Context) -> int:
    return width(2 * ctx.v.accounts + 1000, 7)


def account_id(ctx: Context, column: str) -> str:
    return id_sql("acc", column, account_width(ctx))


def contact_width(ctx: Context) -> int:
    return width((2 * ctx.v.accounts + 1000) * 20, 9)


def contact_id(ctx: Context, column: str) -> str:
    return id_sql("ctc", column, contact_width(ctx))


def segment_bounds(sizes: list[int]) -> list[int]:
    """Slot offsets where each segment ends within a pool of the given segment sizes."""
    return [sum(sizes[: i + 1]) for i in range(len(sizes))]


def create(ctx: Context) -> None:
    a, t = ctx.v.accounts, ctx.v.target_accounts
    step = next(p for p in range(7_919, 10**7) if math.gcd(p, a) == 1)
    sizes = pool_segment_sizes(ctx.v)
    target_bounds = segment_bounds(sizes[POOL_TARGET])
    other_bounds = segment_bounds(sizes[POOL_NON_TARGET])
    target_segment = (
        f"case when slot < {target_bounds[0]} then 0 when slot < {target_bounds[1]} then 1 "
        "else 2 end"
    )
    other_segment = (
        f"case when slot - {t} < {other_bounds[0]} then 0 "
        f"when slot - {t} < {other_bounds[1]} then 1 else 2 end"
    )
    region = pick(ctx.u("slot", name="region"), REGION_SHARES)
    ctx.run(
        f"""
        create table accounts as
        select
            slot,
            (slot * {step} + {ctx.seed % a}) % {a} + 1 as account_number,
            slot < {t} as is_target_account,
            case when slot < {t} then {target_segment} else {other_segment} end as segment_code,
            {region} as region_code
        from range({a}) as r(slot)
        """
    )
    ctx.run(
        f"""
        create table account_pool as
        select
            {POOL_ANY} as pool_code,
            segment_code,
            row_number() over (partition by segment_code order by slot) - 1 as pool_index,
            account_number
        from accounts
        union all
        select
            case when is_target_account then {POOL_TARGET} else {POOL_NON_TARGET} end,
            segment_code,
            row_number() over (partition by is_target_account, segment_code order by slot) - 1,
            account_number
        from accounts
        """
    )
    ctx.run(
        """
        create table account_rows as
        select
            account_number as row_key,
            account_number,
            segment_code,
            is_target_account,
            region_code
        from accounts
        """
    )


def raw_table(ctx: Context) -> RawTable:
    return RawTable(
        name="accounts",
        rows="account_rows",
        select=f"""
            {account_id(ctx, "r.account_number")} as account_id,
            {lookup(SEGMENTS + UNKNOWN_SEGMENTS, "r.segment_code")} as segment,
            r.is_target_account,
            {lookup(REGIONS, "r.region_code")} as region
        """,
        order_by="r.account_number nulls last, r.row_key",
        key="account_id",
        id_column="account_number",
        # The account list has no load timestamp: a re-sent account is an identical row.
        resend={},
        defects=(
            missing("account_id", "account_number"),
            unknown("segment", "segment_code", SEGMENTS, UNKNOWN_SEGMENTS),
        ),
    )

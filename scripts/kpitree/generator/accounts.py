"""accounts: the CRM account list (one row per account), and the pools entries draw from.

One account per EVENTS_PER_ACCOUNT requested events. Account numbers are a scrambled
bijection of account slots: slots below target_accounts are the ABM target list, so target
accounts do not cluster by id. Segments are apportioned exactly within each pool (target
accounts are mostly enterprise and mid-market, the others mostly smb), so every pool has every
segment; regions are drawn by hash (na 50%, emea 30%, apac 12%, latam 8%).

An entry draws its account from its pool (any / target / non-target account) and segment with
one hash: the n-th account of a pool and segment (n = hash % its size, plan.pool_segment_sizes)
is in a slot computed arithmetically (`slot_layout`, carried by the entry's cell), so drawing
needs no join.
"""

from __future__ import annotations

import math

from kpitree.generator.context import Context
from kpitree.generator.plan import (
    POOL_NON_TARGET,
    POOL_TARGET,
    REGION_SHARES,
    REGIONS,
    SEGMENTS,
    pool_segment_sizes,
)
from kpitree.generator.randomness import pick
from kpitree.generator.tables import RawTable, lookup, missing, record_id, unknown, width

UNKNOWN_SEGMENTS: tuple[str, ...] = ("corporate", "startup")


def account_width(ctx: Context) -> int:
    return width(2 * ctx.v.accounts + 1000, 7)


def account_id(ctx: Context, column: str) -> str:
    return record_id(ctx, "account", column, "acc", account_width(ctx))


def contact_width(ctx: Context) -> int:
    return width((2 * ctx.v.accounts + 1000) * 20, 9)


def contact_id(ctx: Context, column: str) -> str:
    return record_id(ctx, "contact", column, "ctc", contact_width(ctx))


def account_step(accounts: int) -> int:
    """The multiplier of the slot -> account number bijection (coprime with the count)."""
    return next(p for p in range(7_919, 10**7) if math.gcd(p, accounts) == 1)


def slot_ranges(ctx: Context) -> tuple[list[int], list[int]]:
    """Where each segment's slots start among target slots (from 0) and other slots (from
    target_accounts)."""
    sizes = pool_segment_sizes(ctx.v)
    target = [sum(sizes[POOL_TARGET][:i]) for i in range(len(SEGMENTS))]
    other = [ctx.v.target_accounts + sum(sizes[POOL_NON_TARGET][:i]) for i in range(len(SEGMENTS))]
    return target, other


def slot_layout(ctx: Context, pool: int, segment: int) -> tuple[int, int, int]:
    """(base, split, jump): the index-th account of a pool and segment (0-based, in slot
    order; in the pool of any account target accounts come first) sits in slot
    base + index, plus jump from index split on."""
    sizes = pool_segment_sizes(ctx.v)
    target, other = slot_ranges(ctx)
    if pool == POOL_TARGET:
        return target[segment], ctx.v.accounts, 0
    if pool == POOL_NON_TARGET:
        return other[segment], ctx.v.accounts, 0
    in_target = sizes[POOL_TARGET][segment]
    return target[segment], in_target, other[segment] - target[segment] - in_target


def account_number_sql(ctx: Context, slot: str) -> str:
    """SQL: the account number of a slot (a scrambled bijection, so target accounts do not
    cluster by id)."""
    a = ctx.v.accounts
    return f"(({slot}) * {account_step(a)} + {ctx.seed % a}) % {a} + 1"


def create(ctx: Context) -> None:
    a, t = ctx.v.accounts, ctx.v.target_accounts
    target, other = slot_ranges(ctx)
    segment = (
        f"case when slot < {t} then "
        f"case when slot < {target[1]} then 0 when slot < {target[2]} then 1 else 2 end "
        f"else case when slot < {other[1]} then 0 when slot < {other[2]} then 1 else 2 end end"
    )
    region = pick(ctx.u("slot", name="region"), REGION_SHARES)
    ctx.run(
        f"""
        create table accounts as
        select
            slot,
            {account_number_sql(ctx, "slot")} as account_number,
            slot < {t} as is_target_account,
            {segment} as segment_code,
            {region} as region_code
        from range({a}) as r(slot)
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

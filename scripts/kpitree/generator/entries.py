"""The entries of every motion: where each motion's volume comes from, day by day.

An entry is what starts a journey: an inbound high-intent session, an ABM engagement episode,
a partner deal registration, a product sign-up. Python builds two small tables:

- `days`: one row per day of the range with its share of the range's volume (weekday x season
  x 25% yearly growth, plan.day_weight), as cumulative shares before and after the day;
- `cells`: one row per motion x campaign x segment (x account pool for ABM) with its total
  entries over the range and the first entry id of the cell.

`entry_groups` (SQL) crosses them: a cell's entries on a day are round(total x cumulative share
after the day) - round(total x cumulative share before it), so every cell's total is exact,
its days follow the calendar smoothly, and an entry's rank within its cell (`cell_rank`) runs
in time order over the whole range: stratified decisions on that rank (randomness.py) give
every cell its planned rates in any window of time. Entry ids (`eid`) are unique across motions
(inbound sessions come first: their ids are 0..sessions-1).
"""

from __future__ import annotations

import datetime as dt

from kpitree.generator.accounts import account_number_sql, slot_layout
from kpitree.generator.context import Context
from kpitree.generator.plan import (
    ABM_TARGET_POOL_SHARE,
    CAMPAIGNS,
    CHANNELS,
    CONTACTS_PER_ACCOUNT,
    FUNNELS,
    MOTIONS,
    NON_TARGET_SEGMENT_MIX,
    POOL_ANY,
    POOL_NON_TARGET,
    POOL_TARGET,
    SEGMENTS,
    abm_wave,
    day_number,
    day_weight,
    pool_segment_sizes,
    segment_mix,
    week_number,
)


def cell_rows(ctx: Context) -> list[tuple[int | float, ...]]:
    """(cell_code, motion, campaign, channel, segment, pool, pool accounts, the pool's slot
    layout (base, split, jump), first_id, entry_rate, total)."""
    sizes = pool_segment_sizes(ctx.v)
    rows: list[tuple[int | float, ...]] = []
    first_id = 0
    code = 0
    for funnel in FUNNELS:
        members = [(i, c) for i, c in enumerate(CAMPAIGNS) if c.motion == funnel.name]
        weight_total = sum(c.weight for _, c in members)
        pools: list[tuple[int, float, tuple[float, float, float] | None]] = [(POOL_ANY, 1.0, None)]
        if funnel.name == "abm":
            pools = [
                (POOL_TARGET, ABM_TARGET_POOL_SHARE, funnel.segment_mix),
                (POOL_NON_TARGET, 1 - ABM_TARGET_POOL_SHARE, NON_TARGET_SEGMENT_MIX),
            ]
        for pool, pool_share, pool_mix in pools:
            for campaign_code, campaign in members:
                if campaign.weight == 0:
                    continue
                mix = pool_mix or segment_mix(campaign)
                for segment_code in range(len(SEGMENTS)):
                    share = pool_share * campaign.weight / weight_total * mix[segment_code]
                    total = round(ctx.v.entries[funnel.name] * share)
                    rows.append(
                        (
                            code,
                            funnel.code,
                            campaign_code,
                            CHANNELS.index(campaign.channel),
                            segment_code,
                            pool,
                            sizes[pool][segment_code],
                            *slot_layout(ctx, pool, segment_code),
                            first_id,
                            campaign.entry_rate,
                            total,
                        )
                    )
                    first_id += total
                    code += 1
    return rows


def cumulative_shares(weights: list[float]) -> list[tuple[float, float]]:
    """Each day's (share before it, share after it) of the range's total weight."""
    total = sum(weights)
    out = []
    cumulative = 0.0
    for i, weight in enumerate(weights):
        before = cumulative / total
        cumulative += weight
        out.append((before, 1.0 if i == len(weights) - 1 else cumulative / total))
    return out


def create_plan_tables(ctx: Context) -> None:
    """Create `days`, `cells` and `entry_groups` (see the module docstring)."""
    days = [
        ctx.o.start_date + dt.timedelta(days=i)
        for i in range((ctx.o.end_date - ctx.o.start_date).days + 1)
    ]
    weights = [day_weight(d) for d in days]
    waves = abm_wave(ctx.seed, days[0], days[-1])
    # ABM's target pool: the same days in high and low weeks (plan.ABM_WAVE_*)
    wave_weights = [w * waves[week_number(d)] for d, w in zip(days, weights, strict=True)]
    shares = [cumulative_shares(weights), cumulative_shares(wave_weights)]
    day_rows = [
        (day_number(day), weight / sum(weights), *shares[0][i], *shares[1][i])
        for i, (day, weight) in enumerate(zip(days, weights, strict=True))
    ]
    ctx.create_values(
        "days",
        "day_number bigint, share double, share_before double, share_after double, "
        "wave_share_before double, wave_share_after double",
        day_rows,
    )
    ctx.create_values("abm_waves", "week_number bigint, factor double", sorted(waves.items()))
    ctx.create_values(
        "cells",
        "cell_code integer, motion_code integer, campaign_code integer, channel_code integer, "
        "segment_code integer, pool_code integer, pool_accounts bigint, slot_base bigint, "
        "slot_split bigint, slot_jump bigint, first_id bigint, "
        "entry_rate double, "
        "total bigint",
        cell_rows(ctx),
    )
    ctx.run(
        f"""
        create table entry_groups as
        with shared as (
            select
                c.*,
                d.day_number,
                case when c.motion_code = {MOTIONS.index("abm")} and c.pool_code = {POOL_TARGET}
                    then d.wave_share_before else d.share_before end as share_before,
                case when c.motion_code = {MOTIONS.index("abm")} and c.pool_code = {POOL_TARGET}
                    then d.wave_share_after else d.share_after end as share_after
            from cells as c
            cross join days as d
        ),
        crossed as (
            select
                * exclude (share_before, share_after),
                round(total * share_before)::bigint as cell_first,
                round(total * share_after)::bigint as cell_last
            from shared
        )
        select
            * exclude (cell_last),
            cell_last - cell_first as entries
        from crossed
        where cell_last > cell_first
        """
    )


def entries_sql(motion: str) -> str:
    """SQL selecting every entry of a motion: eid, its cell's columns, day and cell_rank."""
    return f"""
        select
            g.first_id + g.cell_first + r.i as eid,
            g.cell_first + r.i as cell_rank,
            g.cell_code,
            g.motion_code,
            g.campaign_code,
            g.channel_code,
            g.segment_code,
            g.pool_code,
            g.pool_accounts,
            g.slot_base,
            g.slot_split,
            g.slot_jump,
            g.entry_rate,
            g.day_number
        from entry_groups as g, range(g.entries) as r(i)
        where g.motion_code = {MOTIONS.index(motion)}
    """


def with_account(ctx: Context, entries: str, key: str = "eid") -> str:
    """SQL adding account_number and contact_number to entries (drawn from the entry's pool)."""
    # ubigint (a hash) with bigint widens to hugeint, which is slow: keep to one type each
    index = f"({ctx.h(key, name='account')} % pool_accounts::ubigint)::bigint"
    slot = f"slot_base + {index} + case when {index} >= slot_split then slot_jump else 0 end"
    return f"""
        select
            * exclude (slot_base, slot_split, slot_jump),
            account_number * {CONTACTS_PER_ACCOUNT}
                + ({ctx.h(key, name="contact")} % {CONTACTS_PER_ACCOUNT})::bigint as contact_number
        from (
            select *, {account_number_sql(ctx, slot)} as account_number
            from ({entries})
        )
    """


def create_journey_tables(ctx: Context) -> None:
    """The shared tables the motions fill (funnel_events.py says what they hold)."""
    ctx.run(
        "create table journeys (jid bigint, motion_code integer, campaign_code integer, "
        "channel_code integer, segment_code integer, account_number bigint, "
        "contact_number bigint, start_us bigint)"
    )
    for table in ("meeting_candidates", "opportunity_sources"):
        ctx.run(
            f"create table {table} (jid bigint, motion_code integer, segment_code integer, "
            "channel_code integer, ready_us bigint)"
        )


def add_journeys(ctx: Context, source: str, key: str, start: str, ready: str, feeds: str) -> None:
    """Record a motion's journeys (rows of `source`, identified by `key`, started at `start`)
    and feed them to the next stage (`feeds`: meeting_candidates or opportunity_sources) from
    `ready` on."""
    ctx.run(
        f"""
        insert into journeys
        select {key}, motion_code, campaign_code, channel_code, segment_code, account_number,
            contact_number, {start}
        from ({source})
        """
    )
    ctx.run(
        f"""
        insert into {feeds}
        select {key}, motion_code, segment_code, channel_code, {ready}
        from ({source})
        """
    )

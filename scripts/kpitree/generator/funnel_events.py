"""funnel_events: one row per funnel event, for every motion, plus injected bad rows.

Stages: high_intent_session -> demo_request (inbound only) -> meeting_scheduled -> meeting_held
(inbound, abm, partner) -> opportunity_created -> opportunity_qualified -> closed_won |
closed_lost (every motion). Each motion enters the chain from its own entry (plan.Funnel):
inbound from sessions (here), abm from engagement episodes (engagement.py), partner from
accepted registrations (partners.py), product_led from product-qualified accounts (product.py,
straight to opportunity_created). Meetings are made in meetings.py.

Shared tables the motion modules fill before the chain runs:
- `journeys`: one row per journey that can reach a meeting or an opportunity, with its
  motion, campaign, channel, segment, account, contact and start time (the session, the
  engagement episode, the registration, the sign-up); the journey's first touch.
- `opportunity_sources`: held meetings and product-qualified accounts, with their time.

Every later decision is stratified per motion x segment x channel in time order, so each of
those cells converts at its planned rate in any window of time (randomness.py). Amounts are
stratified the same way, so a month's average amount per cell is close to the planned mean.
"""

from __future__ import annotations

import functools
import math

from kpitree.generator.accounts import account_id, contact_id
from kpitree.generator.context import Context, case_by_code
from kpitree.generator.entries import add_journeys, entries_sql, with_account
from kpitree.generator.plan import (
    ABM_LEAD_WEEKS,
    AMOUNT_SPREAD,
    CAMPAIGNS,
    DEMO_REQUEST_MINUTES,
    FUNNELS,
    MICROS_PER_DAY,
    MICROS_PER_MINUTE,
    MOTIONS,
    SEGMENT_MEAN_AMOUNT,
    WON_AMOUNT_FACTOR,
)
from kpitree.generator.stages import PARTITION, STRATUM, advance, by_motion, lag_by_motion
from kpitree.generator.tables import (
    Defect,
    RawTable,
    id_sql,
    landed_table,
    lookup,
    not_in,
    record_id,
    width,
)

EVENT_TYPES: tuple[str, ...] = (
    "high_intent_session",
    "demo_request",
    "meeting_scheduled",
    "meeting_held",
    "opportunity_created",
    "opportunity_qualified",
    "closed_won",
    "closed_lost",
)
CODE = {t: i for i, t in enumerate(EVENT_TYPES)}
UNKNOWN_EVENT_TYPES: tuple[str, ...] = ("webinar_registration", "chat_started", "content_download")
# Amounts: a log-logistic factor exp(spread * logit(q)), q clamped to AMOUNT_Q, divided by its
# mean so a stratum's amounts average to the planned mean.
AMOUNT_Q = (0.002, 0.998)


@functools.cache
def amount_factor_mean() -> float:
    """Mean of the amount factor over q uniform in AMOUNT_Q (midpoint rule, 20,000 steps)."""
    lo, hi = AMOUNT_Q
    steps = 20_000
    total = 0.0
    for i in range(steps):
        q = lo + (hi - lo) * (i + 0.5) / steps
        total += math.exp(AMOUNT_SPREAD * math.log(q / (1 - q)))
    return total / steps


def event_width(ctx: Context) -> int:
    return width(2 * ctx.o.events + 1000, 10)


def opportunity_id(ctx: Context, column: str) -> str:
    return record_id(ctx, "opportunity", column, "opp", width(ctx.o.events, 8))


# -- inbound sessions and demo requests -------------------------------------------------------


def create_sessions(ctx: Context) -> None:
    """The `sessions` view (every inbound session), `demos`, and inbound journeys."""
    ctx.run(
        f"""
        create view sessions as
        with keyed as ({entries_sql("inbound")}),
        drawn as (
            select
                *,
                {ctx.time_in_day("day_number", ctx.u("eid", name="session_time"), 0.8, (8, 20))}
                    as occurred_us,
                {ctx.weyl("cell_rank", "demo", "cell_code")} < entry_rate as is_demo
            from keyed
        )
        select
            *,
            {ctx.ingested("occurred_us", ctx.u("eid", name="session_ingested"), 6)}
                as ingested_us
        from ({with_account(ctx, "select * from drawn")})
        """
    )
    low, high = DEMO_REQUEST_MINUTES
    ctx.run(
        f"""
        create table demos as
        select
            eid as jid,
            motion_code,
            campaign_code,
            channel_code,
            segment_code,
            account_number,
            contact_number,
            occurred_us as start_us,
            occurred_us + {low * MICROS_PER_MINUTE}
                + ({ctx.u("eid", name="demo_minutes")} * {(high - low) * MICROS_PER_MINUTE})::bigint
                as demo_us
        from sessions
        where is_demo
        """
    )
    add_journeys(ctx, "select * from demos", "jid", "start_us", "demo_us", "meeting_candidates")


# -- opportunities and their outcome ------------------------------------------------------------


def create_opportunities(ctx: Context) -> None:
    """`opportunities`, `qualified` and `closed` from `opportunity_sources`."""
    advance(
        ctx, "created", "opportunity_sources", "ready_us", "created_us", "opportunity",
        by_motion([f.opportunity_rate for f in FUNNELS]), [f.opportunity_lag for f in FUNNELS],
    )  # fmt: skip
    mean = by_motion([f.deal_multiplier for f in FUNNELS])
    segment_mean = case_by_code("segment_code", list(SEGMENT_MEAN_AMOUNT))
    q_low, q_high = AMOUNT_Q
    q = f"({q_low} + {q_high - q_low} * {ctx.weyl('amount_rank', 'amount', *PARTITION)})"
    ctx.run(
        f"""
        create table opportunities as
        with amount_ranked as (
            select
                *,
                {ctx.stratum_rank("created_us", STRATUM)} as amount_rank
            from created
        )
        select
            jid,
            motion_code,
            segment_code,
            channel_code,
            created_us,
            round(
                {segment_mean} * {mean} * exp({AMOUNT_SPREAD} * ln({q} / (1 - {q})))
                / {amount_factor_mean()!r}
            ) as amount,
            row_number() over (order by jid) as opportunity_number
        from amount_ranked
        """
    )
    advance(
        ctx, "qualified", "opportunities", "created_us", "qualified_us", "qualify",
        by_motion([f.qualify_rate for f in FUNNELS]), [f.qualify_lag for f in FUNNELS],
    )  # fmt: skip
    # the planted lead (plan.ABM_LEAD_WEEKS): an ABM opportunity is worth the ABM wave of
    # the week ABM_LEAD_WEEKS before the week it qualifies in, at every stage
    ctx.run(
        f"""
        update opportunities as o
        set amount = round(o.amount * w.factor)
        from qualified as q, abm_waves as w
        where
            o.jid = q.jid
            and o.motion_code = {MOTIONS.index("abm")}
            and w.week_number = (q.qualified_us // {MICROS_PER_DAY} + 3) // 7 - {ABM_LEAD_WEEKS}
        """
    )
    rank = ctx.stratum_rank("qualified_us", STRATUM)
    close_q = ctx.weyl("rk", "close_lag", *PARTITION)
    won_days = lag_by_motion(ctx, [f.won_lag for f in FUNNELS], close_q)
    lost_days = lag_by_motion(ctx, [f.lost_lag for f in FUNNELS], close_q)
    closed_us = ctx.after(
        "qualified_us",
        f"(case when is_won then {won_days} else {lost_days} end)",
        ctx.u("jid", name="closed_time"),
    )
    low, high = WON_AMOUNT_FACTOR
    ctx.run(
        f"""
        create table closed as
        with ranked as (
            select *, {rank} as rk from qualified
        ),
        decided as (
            select
                *,
                {ctx.weyl("rk", "win", *PARTITION)}
                    < {by_motion([f.win_rate for f in FUNNELS])} as is_won
            from ranked
        ),
        timed as (
            select
                *,
                {closed_us} as closed_us
            from decided
        )
        select
            d.jid,
            d.motion_code,
            d.is_won,
            d.closed_us,
            case when d.is_won
                then round(o.amount * ({low} + {high - low} * {ctx.u("d.jid", name="won_amount")}))
            end as won_amount
        from timed as d
        inner join opportunities as o on d.jid = o.jid
        """
    )


# -- all funnel events -----------------------------------------------------------------------------


def create_events(ctx: Context) -> None:
    """`followups` (every event after the session, numbered after the sessions) and
    `event_rows` (every valid event: row_key = event_number = 1..valid)."""
    sessions = int(ctx.scalar("select coalesce(sum(total), 0) from cells where motion_code = 0"))
    ctx.run(
        f"""
        create table followups as
        with stages as (
            select jid, {CODE["demo_request"]} as type_code, demo_us as occurred_us,
                null::bigint as opportunity_number, null::double as amount
            from demos
            union all
            select jid, {CODE["meeting_scheduled"]}, scheduled_us, null, null from scheduled
            union all
            select jid, {CODE["meeting_held"]}, meeting_us, null, null from held
            union all
            select jid, {CODE["opportunity_created"]}, created_us, opportunity_number, amount
            from opportunities
            union all
            select q.jid, {CODE["opportunity_qualified"]}, q.qualified_us,
                o.opportunity_number, o.amount
            from qualified as q
            inner join opportunities as o on q.jid = o.jid
            union all
            select
                c.jid,
                case when c.is_won then {CODE["closed_won"]} else {CODE["closed_lost"]} end,
                c.closed_us,
                o.opportunity_number,
                c.won_amount
            from closed as c
            inner join opportunities as o on c.jid = o.jid
        )
        select
            {sessions} + row_number() over (order by s.jid, s.type_code) as event_number,
            s.jid,
            s.occurred_us,
            j.account_number,
            j.contact_number,
            s.opportunity_number,
            s.type_code,
            j.campaign_code,
            s.amount,
            {ctx.ingested("s.occurred_us", ctx.u("s.jid", "s.type_code", name="event_ingested"))}
                as ingested_us
        from stages as s
        inner join journeys as j on s.jid = j.jid
        where s.occurred_us < {ctx.end_us}
        """
    )
    ctx.run(
        f"""
        create table event_rows as
        select
            eid + 1 as row_key,
            eid + 1 as event_number,
            occurred_us,
            account_number,
            contact_number,
            null::bigint as opportunity_number,
            {CODE["high_intent_session"]} as type_code,
            campaign_code,
            null::double as amount,
            ingested_us
        from sessions
        union all
        select event_number, * exclude (jid) from followups
        """
    )


def raw_table(ctx: Context) -> RawTable:
    event_types = EVENT_TYPES + UNKNOWN_EVENT_TYPES
    source_systems = [
        {"high_intent_session": "web_analytics", "demo_request": "marketing_automation"}.get(
            t, "crm"
        )
        for t in EVENT_TYPES
    ] + [
        "web_analytics" if t == "chat_started" else "marketing_automation"
        for t in UNKNOWN_EVENT_TYPES
    ]
    fresh = "n.fresh"
    return landed_table(
        ctx,
        name="funnel_events",
        rows="event_rows",
        select=f"""
            {id_sql("evt", "r.event_number", event_width(ctx))} as event_id,
            {ctx.timestamp_of("r.occurred_us")} as occurred_at,
            {account_id(ctx, "r.account_number")} as account_id,
            {contact_id(ctx, "r.contact_number")} as contact_id,
            {opportunity_id(ctx, "r.opportunity_number")} as opportunity_id,
            {lookup(event_types, "r.type_code")} as event_type,
            {lookup([c.motion for c in CAMPAIGNS], "r.campaign_code")} as motion,
            {lookup([c.channel for c in CAMPAIGNS], "r.campaign_code")} as channel,
            {lookup([c.name for c in CAMPAIGNS], "r.campaign_code")} as campaign,
            r.amount,
            case when r.amount is not null then 'USD' end as currency,
            {lookup(source_systems, "r.type_code")} as source_system,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.occurred_us, r.row_key",
        ids=("event_id", "event_number"),
        more=(
            Defect(
                "unknown_event_type",
                not_in("event_type", EVENT_TYPES),
                {
                    "type_code": f"{len(EVENT_TYPES)} + {fresh} % {len(UNKNOWN_EVENT_TYPES)}",
                    "opportunity_number": "null",
                    "amount": "null",
                },
            ),
            Defect("negative_amount", "amount < 0", {"amount": "-t.amount"}, "amount is not null"),
            Defect(
                "occurred_after_ingestion",
                "occurred_at > ingested_at",
                {
                    "ingested_us": f"t.occurred_us - {MICROS_PER_DAY} - "
                    f"({ctx.u(fresh, name='early_days')} * {29 * MICROS_PER_DAY})::bigint"
                },
            ),
        ),
        resend_hours=72,
    )

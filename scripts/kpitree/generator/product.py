"""product_events (product-led): sign-ups, activations and product-qualified accounts.

A sign-up is the product-led motion's entry (entries.py): a new user of an account (mostly
smb), sourced by a channel (paid search, SEO, content, direct / word of mouth). ACTIVATION_RATE
of the sign-ups activate (the core value action) 0-14 days later, most within three days;
PQA_RATE of the activations make the account product-qualified 3-21 days later (the event
carries the user who triggered it). Both decisions are stratified per segment x channel.

Product-qualified accounts are the product-led motion's opportunity sources: at its rate they
become an opportunity (funnel_events, motion product_led, the sign-up's channel and campaign)
1-7 days later. The motion has no meetings.
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id
from kpitree.generator.context import Context
from kpitree.generator.entries import add_journeys, entries_sql, with_account
from kpitree.generator.plan import (
    ACTIVATION_LAG,
    ACTIVATION_RATE,
    CAMPAIGNS,
    PQA_LAG,
    PQA_RATE,
    PRODUCT_EVENT_TYPES,
)
from kpitree.generator.stages import advance
from kpitree.generator.tables import (
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_PRODUCT_EVENT_TYPES: tuple[str, ...] = ("feature_used", "invite_sent")


def create(ctx: Context) -> None:
    """`signups`, `activations`, `pqas`, `product_event_rows`, and the product-led journeys."""
    ctx.run(
        f"""
        create table signups as
        with keyed as ({entries_sql("product_led")}),
        timed as (
            select
                *,
                {ctx.time_in_day("day_number", ctx.u("eid", name="signup_time"), 0.7, (8, 19))}
                    as signup_us
            from keyed
        )
        select * exclude (eid), eid as jid
        from ({with_account(ctx, "select * from timed")})
        """
    )
    advance(
        ctx, "activations", "signups", "signup_us", "activation_us", "activation",
        ACTIVATION_RATE, ACTIVATION_LAG,
    )  # fmt: skip
    advance(ctx, "pqas", "activations", "activation_us", "pqa_us", "pqa", PQA_RATE, PQA_LAG)
    ctx.run(
        f"""
        create table product_event_rows as
        with events as (
            select jid, 0 as type_code, signup_us as occurred_us from signups
            union all
            select jid, 1, activation_us from activations
            union all
            select jid, 2, pqa_us from pqas
        ),
        numbered as (
            select row_number() over (order by e.jid, e.type_code) as row_key, e.*
            from events as e
            where e.occurred_us < {ctx.end_us}
        )
        select
            n.row_key,
            n.row_key as product_event_number,
            n.jid as user_number,
            s.account_number,
            n.type_code,
            s.campaign_code,
            n.occurred_us,
            {ctx.ingested("n.occurred_us", ctx.u("n.row_key", name="product_ingested"), 2)}
                as ingested_us
        from numbered as n
        inner join signups as s on n.jid = s.jid
        """
    )
    add_journeys(ctx, "select * from pqas", "jid", "signup_us", "pqa_us", "opportunity_sources")


def raw_table(ctx: Context) -> RawTable:
    return landed_table(
        ctx,
        name="product_events",
        rows="product_event_rows",
        select=f"""
            {id_sql("pev", "r.product_event_number", width(ctx.o.events // 10 + 1000, 8))}
                as event_id,
            {id_sql("usr", "r.user_number", width(2 * ctx.o.events + 1000, 10))} as user_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {lookup(PRODUCT_EVENT_TYPES + UNKNOWN_PRODUCT_EVENT_TYPES, "r.type_code")}
                as event_type,
            {lookup([c.channel for c in CAMPAIGNS], "r.campaign_code")} as channel,
            {ctx.timestamp_of("r.occurred_us")} as occurred_at,
            'product_analytics' as source_system,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.occurred_us, r.row_key",
        ids=("event_id", "product_event_number"),
        vocabulary=("event_type", "type_code", PRODUCT_EVENT_TYPES, UNKNOWN_PRODUCT_EVENT_TYPES),
    )

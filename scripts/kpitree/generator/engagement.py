"""account_engagement (ABM): intent signals and engaged sessions of accounts.

Engagement comes in episodes, the ABM motion's entries (entries.py): an account shows 1-8
engagements over 7-42 days (the first on the episode's start). ABM_TARGET_POOL_SHARE of the
episodes are on target accounts (accounts.is_target_account), the rest on other accounts, so
"target accounts only" changes the numbers. An engagement is an intent_signal (from the intent
data provider, account level: no contact) or an engaged_session (web analytics, an identified
contact of the account).

Episodes on target accounts are the ABM motion's meeting candidates (meetings.py): at the ABM
rate they book a meeting 14-60 days after the episode starts. The ABM effect (plan.ABM_DROP_*)
thins the target-account episodes that start in its window by ABM_DROP_SHARE (stratified, so
exactly that share), and so engaged target accounts, then ABM meetings and pipeline, drop.
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id, contact_id
from kpitree.generator.context import Context
from kpitree.generator.entries import add_journeys, entries_sql, with_account
from kpitree.generator.plan import (
    ABM_DROP_FIRST_DAY,
    ABM_DROP_LAST_DAY,
    ABM_DROP_SHARE,
    CONTACTS_PER_ACCOUNT,
    ENGAGEMENT_TYPES,
    ENGAGEMENTS_PER_EPISODE,
    EPISODE_SPAN,
    INTENT_SIGNAL_SHARE,
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    POOL_TARGET,
    day_number,
)
from kpitree.generator.tables import (
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_ENGAGEMENT_TYPES: tuple[str, ...] = ("email_open", "ad_impression")
SOURCE_SYSTEMS: tuple[str, ...] = ("intent_provider", "web_analytics")


def create(ctx: Context) -> None:
    """`episodes`, `engagement_rows`, and the ABM journeys and meeting candidates."""
    in_window = (
        f"day_number between {day_number(ABM_DROP_FIRST_DAY)} and {day_number(ABM_DROP_LAST_DAY)}"
    )
    ctx.run(
        f"""
        create table episodes as
        with keyed as ({entries_sql("abm")}),
        kept as (
            select * from keyed
            where not (
                pool_code = {POOL_TARGET}
                and {in_window}
                and {ctx.weyl("cell_rank", "abm_drop", "cell_code")} < {ABM_DROP_SHARE}
            )
        )
        select
            *,
            day_number * {MICROS_PER_DAY} + {7 * MICROS_PER_HOUR}
                + ({ctx.u("eid", name="episode_time")} * {12 * MICROS_PER_HOUR})::bigint
                as start_us,
            {ctx.lag_days(ENGAGEMENTS_PER_EPISODE, ctx.u("eid", name="engagements"))}
                as engagements,
            {ctx.lag_days(EPISODE_SPAN, ctx.u("eid", name="episode_span"))} as span_days
        from ({with_account(ctx, "select * from kept")})
        """
    )
    is_intent = f"{ctx.u('e.eid', 'k.k', name='engagement_type')} < {INTENT_SIGNAL_SHARE}"
    ctx.run(
        f"""
        create table engagement_rows as
        with expanded as (
            select
                e.eid,
                k.k,
                e.account_number,
                case
                    when {is_intent} then null
                    when {ctx.u("e.eid", "k.k", name="other_contact")} < 0.3
                        then e.account_number * {CONTACTS_PER_ACCOUNT}
                            + {ctx.h("e.eid", "k.k", name="engagement_contact")}
                                % {CONTACTS_PER_ACCOUNT}
                    else e.contact_number
                end as contact_number,
                case when {is_intent} then 0 else 1 end as type_code,
                case when k.k = 0 then e.start_us
                    else e.start_us + ({ctx.u("e.eid", "k.k", name="engagement_time")}
                        * e.span_days * {MICROS_PER_DAY})::bigint
                end as occurred_us
            from episodes as e, range(e.engagements) as k(k)
        ),
        numbered as (
            select row_number() over (order by eid, k) as row_key, *
            from expanded
            where occurred_us < {ctx.end_us}
        )
        select
            row_key,
            row_key as engagement_number,
            account_number,
            contact_number,
            type_code,
            occurred_us,
            {ctx.ingested("occurred_us", ctx.u("row_key", name="engagement_ingested"), 12)}
                as ingested_us
        from numbered
        """
    )
    target_episodes = f"select * from episodes where pool_code = {POOL_TARGET}"
    add_journeys(ctx, target_episodes, "eid", "start_us", "start_us", "meeting_candidates")


def raw_table(ctx: Context) -> RawTable:
    return landed_table(
        ctx,
        name="account_engagement",
        rows="engagement_rows",
        select=f"""
            {id_sql("eng", "r.engagement_number", width(2 * ctx.o.events // 5 + 1000, 8))}
                as engagement_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {contact_id(ctx, "r.contact_number")} as contact_id,
            {lookup(ENGAGEMENT_TYPES + UNKNOWN_ENGAGEMENT_TYPES, "r.type_code")}
                as engagement_type,
            {ctx.timestamp_of("r.occurred_us")} as occurred_at,
            {lookup(SOURCE_SYSTEMS * 2, "r.type_code")} as source_system,  -- unknown types too
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.occurred_us, r.row_key",
        ids=("engagement_id", "engagement_number"),
        vocabulary=("engagement_type", "type_code", ENGAGEMENT_TYPES, UNKNOWN_ENGAGEMENT_TYPES),
    )

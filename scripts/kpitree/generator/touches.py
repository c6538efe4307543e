"""touches: the marketing touches of each opportunity's journey, for multi-touch attribution.

Every opportunity created (funnel_events opportunity_created) has 1-6 touches (the motion's
Funnel.touch_counts) between its journey's start and its opportunity_created, over days to
weeks. The FIRST touch is the journey's start (the inbound session, the ABM engagement
episode, the partner registration, the product sign-up) with the journey's campaign and
channel: funnel_events.channel is the sourcing channel, and it equals the channel of the first
touch, so first-touch attribution reproduces the funnel's channel split. Later touches come
from the motion's touch mix (plan.Campaign.touch_weight: nurture email, retargeting, direct
visits, events, ...), so last-touch and even-influence attribution give other splits.

Touches of ABM journeys reach other contacts of the account too (30% of the later touches).
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id, contact_id
from kpitree.generator.context import Context
from kpitree.generator.funnel_events import opportunity_id
from kpitree.generator.plan import (
    CAMPAIGNS,
    CHANNELS,
    CONTACTS_PER_ACCOUNT,
    FUNNELS,
)
from kpitree.generator.randomness import pick
from kpitree.generator.stages import by_motion
from kpitree.generator.tables import (
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_CHANNELS: tuple[str, ...] = ("tiktok", "podcast")
OTHER_CONTACT_SHARE_ABM = 0.30


def touch_campaign(ctx: Context) -> str:
    """SQL: the campaign code of a later touch, from its motion's touch mix."""
    choices = []
    for funnel in FUNNELS:
        members = [(i, c) for i, c in enumerate(CAMPAIGNS) if c.motion == funnel.name]
        codes = [i for i, c in members if c.touch_weight > 0]
        weights = [c.touch_weight for _, c in members if c.touch_weight > 0]
        index = pick(ctx.u("o.jid", "k.k", name="touch_campaign"), weights)
        choices.append(f"[{', '.join(str(c) for c in codes)}][{index} + 1]")
    return by_motion(choices, "o.motion_code")


def create(ctx: Context) -> None:
    counts = by_motion(
        [f"1 + {pick(ctx.u('o.jid', name='touch_count'), f.touch_counts)}" for f in FUNNELS],
        "o.motion_code",
    )
    channel_of = "[" + ", ".join(str(CHANNELS.index(c.channel)) for c in CAMPAIGNS) + "]"
    ctx.run(
        f"""
        create table touch_rows as
        with opportunity_journeys as (
            select
                o.jid,
                o.motion_code,
                o.opportunity_number,
                o.created_us,
                j.campaign_code,
                j.account_number,
                j.contact_number,
                j.start_us,
                {counts} as touches
            from opportunities as o
            inner join journeys as j on o.jid = j.jid
            where o.created_us < {ctx.end_us}
        ),
        placed as (
            select
                o.opportunity_number,
                o.jid,
                k.k,
                o.account_number,
                case
                    when k.k > 0 and o.motion_code = 1
                        and {ctx.u("o.jid", "k.k", name="touch_contact")}
                            < {OTHER_CONTACT_SHARE_ABM}
                        then o.account_number * {CONTACTS_PER_ACCOUNT}
                            + {ctx.h("o.jid", "k.k", name="touch_other_contact")}
                                % {CONTACTS_PER_ACCOUNT}
                    else o.contact_number
                end as contact_number,
                case when k.k = 0 then o.campaign_code else {touch_campaign(ctx)} end
                    as campaign_code,
                case when k.k = 0 then o.start_us
                    else o.start_us + (
                        (o.created_us - o.start_us)
                        * (k.k + 0.05 + 0.9 * {ctx.u("o.jid", "k.k", name="touch_time")})
                        / o.touches
                    )::bigint
                end as touched_us
            from opportunity_journeys as o, range(o.touches) as k(k)
        ),
        numbered as (
            select row_number() over (order by opportunity_number, k) as row_key, *
            from placed
        )
        select
            row_key,
            row_key as touch_number,
            opportunity_number,
            account_number,
            contact_number,
            campaign_code,
            {channel_of}[campaign_code + 1] as channel_code,
            touched_us,
            {ctx.ingested("touched_us", ctx.u("row_key", name="touch_ingested"), 6)} as ingested_us
        from numbered
        """
    )


def raw_table(ctx: Context) -> RawTable:
    return landed_table(
        ctx,
        name="touches",
        rows="touch_rows",
        select=f"""
            {id_sql("tch", "r.touch_number", width(ctx.o.events // 10 + 1000, 8))} as touch_id,
            {contact_id(ctx, "r.contact_number")} as contact_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {opportunity_id(ctx, "r.opportunity_number")} as opportunity_id,
            {lookup(CHANNELS + UNKNOWN_CHANNELS, "r.channel_code")} as channel,
            {lookup([c.name for c in CAMPAIGNS], "r.campaign_code")} as campaign,
            {ctx.timestamp_of("r.touched_us")} as touched_at,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.touched_us, r.row_key",
        ids=("touch_id", "touch_number"),
        vocabulary=("channel", "channel_code", CHANNELS, UNKNOWN_CHANNELS),
    )

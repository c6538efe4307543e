"""ad_spend: daily spend of every paid campaign, in proportion to the entries it plans to bring.

A campaign's spend on a day is its planned entries that day (sessions, engagement episodes,
registrations or sign-ups: the campaign's total x the day's share of the range's volume) times
its cost per entry (plan.Campaign.cost), times 0.85-1.15 (hash). Spend follows the plan, not
what happened: when ABM engagement drops (the injected ABM effect) the spend does not, so the
cost per engaged account rises. Unpaid campaigns (SEO of inbound, direct, touch-only) have no
rows. Costs are set so that CAC payback lands in the seeds' 12-18 months.
"""

from __future__ import annotations

from kpitree.generator.context import Context
from kpitree.generator.plan import CAMPAIGNS, CHANNELS
from kpitree.generator.tables import Defect, RawTable, lookup, unknown

UNKNOWN_CHANNELS: tuple[str, ...] = ("tiktok", "podcast")


def create(ctx: Context) -> None:
    totals = ctx.con.execute(
        "select campaign_code, sum(total) from cells group by 1 order by 1"
    ).fetchall()
    rows = [
        (code, CHANNELS.index(CAMPAIGNS[code].channel), int(total), CAMPAIGNS[code].cost)
        for code, total in totals
        if CAMPAIGNS[code].cost > 0 and total > 0
    ]
    ctx.create_values(
        "campaign_totals",
        "campaign_code integer, channel_code integer, entries bigint, cost double",
        rows,
    )
    ctx.run(
        f"""
        create table spend_rows as
        with daily as (
            select
                d.day_number,
                c.campaign_code,
                c.channel_code,
                round(
                    c.entries * d.share * c.cost
                    * (0.85 + 0.3 * {ctx.u("d.day_number", "c.campaign_code", name="spend")}),
                    2
                ) as spend
            from days as d
            cross join campaign_totals as c
        )
        select
            row_number() over (order by day_number, campaign_code) as row_key,
            *
        from daily
        where spend > 0
        """
    )


def raw_table(ctx: Context) -> RawTable:
    del ctx  # the format does not depend on the run
    return RawTable(
        name="ad_spend",
        rows="spend_rows",
        select=f"""
            date '1970-01-01' + r.day_number::integer as spend_date,
            {lookup(CHANNELS + UNKNOWN_CHANNELS, "r.channel_code")} as channel,
            {lookup([c.motion for c in CAMPAIGNS], "r.campaign_code")} as motion,
            {lookup([c.name for c in CAMPAIGNS], "r.campaign_code")} as campaign,
            r.spend
        """,
        order_by="r.day_number, r.campaign_code, r.row_key",
        key="(spend_date, channel, motion, campaign)",
        id_column=None,
        # Spend has no id and no load time: a re-sent row is an identical row.
        resend={},
        defects=(
            unknown("channel", "channel_code", CHANNELS, UNKNOWN_CHANNELS),
            Defect("negative_spend", "spend < 0", {"spend": "-t.spend"}),
        ),
    )

"""touches: every opportunity's journey, whose first touch carries the funnel's channel."""

from __future__ import annotations

from pathlib import Path

from raw_contract import connect, scalar

JOURNEYS = """
    with opportunities as (
        select opportunity_id, motion, channel, campaign, contact_id, occurred_at as created_at
        from clean_funnel_events
        where event_type = 'opportunity_created'
    ),
    ordered as (
        select
            t.*,
            row_number() over (partition by t.opportunity_id order by t.touched_at, t.touch_id)
                as position,
            count(*) over (partition by t.opportunity_id) as touches
        from clean_touches as t
    )
"""


def test_every_opportunity_has_one_to_six_touches_before_it_is_created(default_size: Path) -> None:
    con = connect(default_size)
    found = con.execute(
        f"""
        {JOURNEYS}
        select
            count(distinct o.opportunity_id),
            count(distinct t.opportunity_id),
            min(t.touches),
            max(t.touches),
            count(*) filter (where t.touched_at > o.created_at),
            avg(epoch(o.created_at - t.touched_at) / 86400) filter (where t.position = 1)
        from opportunities as o
        left join ordered as t using (opportunity_id)
        """
    ).fetchone()
    opportunities, with_touches, fewest, most, late, days_from_first = found
    assert opportunities == with_touches > 1000
    assert (fewest, most) == (1, 6)
    assert late == 0
    assert days_from_first > 7  # journeys run over weeks


def test_the_first_touch_carries_the_funnel_channel_and_campaign(default_size: Path) -> None:
    con = connect(default_size)
    mismatched = scalar(
        con,
        f"""
        {JOURNEYS}
        select count(*)
        from opportunities as o
        inner join ordered as t using (opportunity_id)
        where t.position = 1
            and (t.channel is distinct from o.channel
                or t.campaign is distinct from o.campaign
                or t.contact_id is distinct from o.contact_id)
        """,
    )
    assert mismatched == 0


def test_last_touch_and_even_influence_split_pipeline_differently(default_size: Path) -> None:
    con = connect(default_size)
    shares = con.execute(
        f"""
        {JOURNEYS},
        credited as (
            select
                t.channel,
                sum(o.amount) filter (where t.position = 1) as first_touch,
                sum(o.amount) filter (where t.position = t.touches) as last_touch,
                sum(o.amount / t.touches) as even
            from ordered as t
            inner join (
                select opportunity_id, amount from clean_funnel_events
                where event_type = 'opportunity_created'
            ) as o using (opportunity_id)
            group by 1
        )
        select
            channel,
            coalesce(first_touch, 0) / sum(first_touch) over (),
            coalesce(last_touch, 0) / sum(last_touch) over (),
            even / sum(even) over ()
        from credited
        """
    ).fetchall()
    by_channel = {c: (first, last, even) for c, first, last, even in shares}
    sourced = dict(
        con.execute(
            """
            select channel, sum(amount) / sum(sum(amount)) over ()
            from clean_funnel_events where event_type = 'opportunity_created' group by 1
            """
        ).fetchall()
    )
    for channel, share in sourced.items():
        assert abs(by_channel[channel][0] - share) < 1e-9, channel  # first touch = the funnel
    assert max(abs(first - last) for first, last, _ in by_channel.values()) > 0.05
    assert by_channel["email"][1] > by_channel["email"][0]  # nurture email closes journeys

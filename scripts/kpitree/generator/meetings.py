"""Meetings (funnel_events meeting_scheduled / meeting_held) and meeting_attendees.

Inbound demo requests, ABM engagement episodes and accepted partner registrations fill
`meeting_candidates`; a candidate books a meeting (meeting_scheduled) at its motion's rate and
lag, and the meeting takes place on a weekday days later.

Show (meeting held). The KPI is a period ratio: meetings held in a week over meetings scheduled
in that week, two different cohorts (a meeting happens days after it is booked). So that this
ratio tracks the planned show rate week by week, a week and motion holds
round(sum over its segment x channel cells of show rate x meetings scheduled that week), but
never more than SHOW_CAP x the rate of the meetings that fall in it; what a week cannot hold
(and the rounding residue) carries to the next week, so over time every motion holds its
planned share (at small volumes the carry binds often, at the demo's volumes rarely); the
held meetings are shared among the cells in
proportion to show rate x meetings falling in the cell that week (cumulative rounding). So a
motion's weekly ratio is within half a meeting of its plan, and each cell holds its own rate of
its meetings. The injected leak (plan.LEAK_*) lowers the show rate of one cell in three weeks,
which lowers both that cell's ratio and its motion's.

meeting_attendees: the invitees of every meeting (rows on the meeting_scheduled event) and the
people who came to a held meeting (rows on the meeting_held event), with a persona. The first
invitee is the journey's contact and always comes; whether an economic buyer or champion is
among them depends on whether the meeting becomes an opportunity
(Funnel.key_persona_if_opportunity / key_persona_otherwise).
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id, contact_id
from kpitree.generator.context import Context
from kpitree.generator.funnel_events import CODE, event_width
from kpitree.generator.plan import (
    CHANNELS,
    CONTACTS_PER_ACCOUNT,
    FUNNEL,
    FUNNELS,
    LEAK_CHANNEL,
    LEAK_MOTION,
    LEAK_SEGMENT,
    LEAK_SHOW_RATES,
    LEAK_WEEKS,
    MICROS_PER_DAY,
    MOTIONS,
    PERSONAS,
    SEGMENTS,
    SHOW_CAP,
    week_number,
)
from kpitree.generator.randomness import pick
from kpitree.generator.stages import PARTITION, STRATUM, advance, by_motion, lag_by_motion
from kpitree.generator.tables import (
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_PERSONAS: tuple[str, ...] = ("technical_buyer", "end_user")
# Later invitees of a meeting with a key persona: economic buyer, champion, other.
LATER_INVITEE_PERSONAS = (0.15, 0.20, 0.65)
# Share of multi-person meetings where one invitee (not the first) does not come.
ONE_ABSENT_SHARE = 0.30


def leak_factor() -> str:
    """SQL: the factor on the planned show rate of a week x motion x segment x channel."""
    base = FUNNEL[LEAK_MOTION].show_rate
    cell = (
        f"motion_code = {MOTIONS.index(LEAK_MOTION)} "
        f"and segment_code = {SEGMENTS.index(LEAK_SEGMENT)} "
        f"and channel_code = {CHANNELS.index(LEAK_CHANNEL)}"
    )
    whens = " ".join(
        f"when week = {week_number(w)} and {cell} then {rate / base!r}"
        for w, rate in zip(LEAK_WEEKS, LEAK_SHOW_RATES, strict=True)
    )
    return f"(case {whens} else 1.0 end)"


def create(ctx: Context) -> None:
    """`scheduled`, `meetings` and `held` from `meeting_candidates`."""
    advance(
        ctx, "scheduled", "meeting_candidates", "ready_us", "scheduled_us", "schedule",
        by_motion([f.to_meeting_rate for f in FUNNELS]), [f.to_meeting_lag for f in FUNNELS],
    )  # fmt: skip
    rank = ctx.stratum_rank("scheduled_us", STRATUM)
    days = lag_by_motion(
        ctx, [f.meeting_lag for f in FUNNELS], ctx.weyl("rk", "meeting_lag", *PARTITION)
    )
    meeting_us = ctx.after("scheduled_us", days, ctx.u("jid", name="meeting_time"), True)
    ctx.run(
        f"""
        create table meetings as
        with ranked as (
            select *, {rank} as rk from scheduled
        ),
        dated as (
            select jid, motion_code, segment_code, channel_code, {meeting_us} as meeting_us
            from ranked
        )
        select
            *,
            meeting_us // {MICROS_PER_DAY} as meeting_day,
            (meeting_us // {MICROS_PER_DAY} + 3) // 7 as meeting_week
        from dated
        """
    )
    show_rate = by_motion([f.show_rate for f in FUNNELS])
    ctx.run(
        f"""
        create table held as
        with recursive scheduled_weekly as (
            select
                (scheduled_us // {MICROS_PER_DAY} + 3) // 7 as week,
                motion_code,
                segment_code,
                channel_code,
                count(*) as scheduled
            from scheduled
            where scheduled_us < {ctx.end_us}
            group by all
        ),
        meeting_weekly as (
            select meeting_week as week, motion_code, segment_code, channel_code,
                count(*) as meetings
            from meetings
            group by all
        ),
        rated as (
            select
                week,
                motion_code,
                segment_code,
                channel_code,
                coalesce(m.meetings, 0) as meetings,
                coalesce(s.scheduled, 0) as scheduled,
                {show_rate} * {leak_factor()} as rate
            from meeting_weekly as m
            full join scheduled_weekly as s
                using (week, motion_code, segment_code, channel_code)
        ),
        weighted as (
            -- micro-units, so that sums are exact integers
            select
                *,
                round(1e6 * rate * scheduled)::bigint as planned,
                round(1e6 * least(1.0, {SHOW_CAP} * rate) * meetings)::bigint as capacity,
                round(1e6 * rate * meetings)::bigint as weight
            from rated
        ),
        weekly as (
            select
                week,
                motion_code,
                sum(planned) as planned,
                floor(sum(capacity) / 1e6)::bigint as capacity,
                sum(weight) as weight,
                row_number() over (partition by motion_code order by week) as n
            from weighted
            group by 1, 2
        ),
        -- week by week: hold what is due (planned + what earlier weeks could not hold, in
        -- micro-units, so the rounding residue carries too), at most the capacity
        walk as (
            select
                motion_code,
                n,
                least(round(planned / 1e6), capacity)::bigint as held,
                planned - 1000000 * least(round(planned / 1e6), capacity)::bigint as carry
            from weekly
            where n = 1
            union all
            select
                w.motion_code,
                w.n,
                least(round((w.planned + k.carry) / 1e6), w.capacity)::bigint,
                w.planned + k.carry
                    - 1000000 * least(round((w.planned + k.carry) / 1e6), w.capacity)::bigint
            from walk as k
            inner join weekly as w on w.motion_code = k.motion_code and w.n = k.n + 1
        ),
        totals as (
            select w.week, w.motion_code, k.held, w.weight
            from weekly as w
            inner join walk as k on w.motion_code = k.motion_code and w.n = k.n
        ),
        cumulated as (
            select
                w.week,
                w.motion_code,
                w.segment_code,
                w.channel_code,
                w.meetings,
                w.weight,
                t.held,
                t.weight as total_weight,
                sum(w.weight) over (
                    partition by w.week, w.motion_code
                    order by w.segment_code, w.channel_code
                    rows between unbounded preceding and current row
                ) as cumulative
            from weighted as w
            inner join totals as t on w.week = t.week and w.motion_code = t.motion_code
            where w.meetings > 0 and t.weight > 0
        ),
        allotted as (
            select
                week, motion_code, segment_code, channel_code,
                least(
                    meetings,
                    round(held * cumulative / total_weight)
                        - round(held * (cumulative - weight) / total_weight)
                ) as held_meetings
            from cumulated
        ),
        ranked as (
            select
                *,
                row_number() over (
                    partition by meeting_week, motion_code, segment_code, channel_code
                    order by {ctx.h("jid", name="show")}, jid
                ) as rn
            from meetings
        )
        select r.jid, r.motion_code, r.segment_code, r.channel_code, r.meeting_us
        from ranked as r
        inner join allotted as a
            on r.meeting_week = a.week
            and r.motion_code = a.motion_code
            and r.segment_code = a.segment_code
            and r.channel_code = a.channel_code
        where r.rn <= a.held_meetings
        """
    )
    ctx.run(
        """
        insert into opportunity_sources
        select jid, motion_code, segment_code, channel_code, meeting_us from held
        """
    )


def create_attendees(ctx: Context) -> None:
    """`attendee_rows`: invitees on meeting_scheduled events, attendees on meeting_held events."""
    invitees = by_motion([str(max(1, f.max_invitees)) for f in FUNNELS], "j.motion_code")
    key_if_opportunity = by_motion([f.key_persona_if_opportunity for f in FUNNELS], "j.motion_code")
    key_otherwise = by_motion([f.key_persona_otherwise for f in FUNNELS], "j.motion_code")
    later_persona = pick(ctx.u("m.jid", "p.i", name="later_persona"), LATER_INVITEE_PERSONAS)
    ctx.run(
        f"""
        create table attendee_rows as
        with meeting_events as (
            select
                f.jid,
                max(case when f.type_code = {CODE["meeting_scheduled"]} then f.event_number end)
                    as scheduled_event,
                max(case when f.type_code = {CODE["meeting_held"]} then f.event_number end)
                    as held_event,
                max(case when f.type_code = {CODE["meeting_scheduled"]} then f.ingested_us end)
                    as scheduled_ingested_us,
                max(case when f.type_code = {CODE["meeting_held"]} then f.ingested_us end)
                    as held_ingested_us
            from followups as f
            where f.type_code in ({CODE["meeting_scheduled"]}, {CODE["meeting_held"]})
            group by f.jid
        ),
        meetings as (
            select
                e.*,
                j.motion_code,
                j.account_number,
                j.contact_number,
                1 + floor({ctx.u("e.jid", name="invitees")} * {invitees})::bigint as invitees,
                {ctx.u("e.jid", name="key_persona")} < case
                    when h.jid is not null and o.jid is not null then {key_if_opportunity}
                    else {key_otherwise} end as has_key_persona
            from meeting_events as e
            inner join journeys as j on e.jid = j.jid
            left join held as h on e.jid = h.jid
            left join opportunities as o on e.jid = o.jid
        ),
        people as (
            select
                m.*,
                p.i,
                case
                    when p.i = 0 and m.has_key_persona
                        then case when {ctx.u("m.jid", name="first_persona")} < 0.4 then 0
                            else 1 end
                    when p.i = 0 then 2
                    when m.has_key_persona then {later_persona}
                    else 2
                end as persona_code,
                m.account_number * {CONTACTS_PER_ACCOUNT}
                    + (m.contact_number + p.i) % {CONTACTS_PER_ACCOUNT} as person,
                p.i < m.invitees - case
                    when m.invitees >= 2
                        and {ctx.u("m.jid", name="absent")} < {ONE_ABSENT_SHARE} then 1
                    else 0 end as attended
            from meetings as m, range(m.invitees) as p(i)
        ),
        listed as (
            select jid, i, scheduled_event as meeting_event, account_number, person,
                persona_code, scheduled_ingested_us as event_ingested_us, 0 as listing
            from people
            where scheduled_event is not null
            union all
            select jid, i, held_event, account_number, person, persona_code,
                held_ingested_us, 1
            from people
            where held_event is not null and attended
        ),
        numbered as (
            select
                row_number() over (order by meeting_event, i) as row_key,
                *
            from listed
        )
        select
            row_key,
            row_key as attendee_number,
            meeting_event,
            account_number,
            person as contact_number,
            persona_code,
            {ctx.ingested("event_ingested_us", ctx.u("row_key", name="attendee_ingested"), 24)}
                as ingested_us
        from numbered
        """
    )


def raw_table(ctx: Context) -> RawTable:
    return landed_table(
        ctx,
        name="meeting_attendees",
        rows="attendee_rows",
        select=f"""
            {id_sql("att", "r.attendee_number", width(2 * ctx.o.events // 10 + 1000, 8))}
                as attendee_id,
            {id_sql("evt", "r.meeting_event", event_width(ctx))} as meeting_event_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {contact_id(ctx, "r.contact_number")} as contact_id,
            {lookup(PERSONAS + UNKNOWN_PERSONAS, "r.persona_code")} as persona,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.meeting_event, r.row_key",
        ids=("attendee_id", "attendee_number"),
        vocabulary=("persona", "persona_code", PERSONAS, UNKNOWN_PERSONAS),
    )

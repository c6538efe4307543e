"""partner_registrations: deal registrations from partners, and the partner motion's journeys.

A registration is the partner motion's entry (entries.py): a partner registers an account
(mostly smb and mid-market) under a partner programme (the campaign: referral, co-marketing,
marketplace). It is decided 1-10 days later (SLOW_DECISION_SHARE take 20-45 days): accepted at
ACCEPT_RATE (stratified per campaign x segment), else rejected; a registration still undecided
on --end-date is pending (decided_at null). Partners bring unequal volume (a few large ones).

Accepted registrations are the partner motion's meeting candidates (meetings.py): partner
meetings and opportunities in funnel_events always belong to an account with an accepted
registration, after the acceptance.
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id
from kpitree.generator.context import Context
from kpitree.generator.entries import add_journeys, entries_sql, with_account
from kpitree.generator.plan import (
    ACCEPT_RATE,
    DECISION_LAG,
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    REGISTRATION_STATUSES,
    SLOW_DECISION_LAG,
    SLOW_DECISION_SHARE,
)
from kpitree.generator.tables import (
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_STATUSES: tuple[str, ...] = ("withdrawn", "expired")
ACCEPTED, REJECTED, PENDING = 0, 1, 2


def create(ctx: Context) -> None:
    """`registration_rows`, and the partner journeys and meeting candidates."""
    q_lag = ctx.weyl("cell_rank", "decision_lag", "cell_code")
    days = (
        f"case when {ctx.u('eid', name='slow_decision')} < {SLOW_DECISION_SHARE} "
        f"then {ctx.lag_days(SLOW_DECISION_LAG, q_lag)} "
        f"else {ctx.lag_days(DECISION_LAG, q_lag)} end"
    )
    ctx.run(
        f"""
        create table registrations as
        with keyed as ({entries_sql("partner")}),
        timed as (
            select
                *,
                day_number * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}
                    + ({ctx.u("eid", name="registered_time")} * {10 * MICROS_PER_HOUR})::bigint
                    as registered_us,
                1 + floor(pow({ctx.u("eid", name="partner")}, 1.8) * {ctx.v.partners})::bigint
                    as partner_number,
                {ctx.weyl("cell_rank", "accept", "cell_code")} < {ACCEPT_RATE} as is_accepted
            from keyed
        ),
        decided as (
            select
                *,
                {ctx.after("registered_us", days, ctx.u("eid", name="decided_time"))}
                    as decision_us
            from timed
        )
        select
            *,
            case when decision_us >= {ctx.end_us} then {PENDING}
                when is_accepted then {ACCEPTED} else {REJECTED} end as status_code
        from ({with_account(ctx, "select * from decided")})
        """
    )
    ingested = ctx.ingested(
        f"coalesce(case when status_code <> {PENDING} then decision_us end, registered_us)",
        ctx.u("eid", name="registration_ingested"),
        12,
    )
    ctx.run(
        f"""
        create table registration_rows as
        select
            row_number() over (order by registered_us, eid) as row_key,
            row_number() over (order by registered_us, eid) as registration_number,
            partner_number,
            account_number,
            registered_us,
            status_code,
            case when status_code <> {PENDING} then decision_us end as decided_us,
            {ingested} as ingested_us
        from registrations
        """
    )
    accepted = f"select * from registrations where status_code = {ACCEPTED}"
    add_journeys(ctx, accepted, "eid", "registered_us", "decision_us", "meeting_candidates")


def raw_table(ctx: Context) -> RawTable:
    return landed_table(
        ctx,
        name="partner_registrations",
        rows="registration_rows",
        select=f"""
            {id_sql("reg", "r.registration_number", width(ctx.o.events // 50 + 1000, 7))}
                as registration_id,
            {id_sql("ptn", "r.partner_number", 3)} as partner_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {ctx.timestamp_of("r.registered_us")} as registered_at,
            {lookup(REGISTRATION_STATUSES + UNKNOWN_STATUSES, "r.status_code")} as status,
            {ctx.timestamp_of("r.decided_us")} as decided_at,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.registered_us, r.row_key",
        ids=("registration_id", "registration_number"),
        vocabulary=("status", "status_code", REGISTRATION_STATUSES, UNKNOWN_STATUSES),
    )

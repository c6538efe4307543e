"""The customer lifecycle: subscriptions, subscription_changes and account_health.

subscriptions: every closed_won in funnel_events starts a subscription on its day (ARR = the
won amount, opportunity_id set), plus the customers who predate the data: BASE_CUSTOMER_SHARE
of the accounts hold a subscription started 1-36 months before --start-date (opportunity_id
null; its `arr` is its ARR on --start-date). Terms are 12 months (75%), 24 (18%) or 36 (7%).

subscription_changes, from --start-date to --end-date, per subscription:
- at every term end (started_on + k x term): churn with CHURN_PER_RENEWAL by segment
  (arr_change = minus the whole current ARR; nothing follows), else a renewal (arr_change 0,
  or an uplift of 3-8% of the subscription's ARR in 40% of renewals);
- in every subscription year: an expansion (+15-65% of the subscription's ARR) and a
  contraction (-10-30%) with EXPANSION_PER_YEAR / CONTRACTION_PER_YEAR by segment, on a random
  day of that year.
Changes are whole dollars relative to the subscription's `arr`, and a churn takes exactly what
is left, so per subscription and per account ARR rolls forward exactly:
arr + sum(arr_change up to a day) = ARR on that day, 0 after a churn, never negative.

account_health: AT_RISK_BEFORE_CHURN of churns are preceded by an at_risk flag 30-120 days
before; FALSE_ALARM_SHARE of renewals get an at_risk flag too, then a recovered flag 14 days or
more later, before the renewal. Flags outside the date range are not written, nor the recovered
flag of an at_risk flag before --start-date.
"""

from __future__ import annotations

from kpitree.generator.accounts import account_id
from kpitree.generator.context import Context, case_by_code
from kpitree.generator.funnel_events import AMOUNT_Q, amount_factor_mean, opportunity_id
from kpitree.generator.plan import (
    AMOUNT_SPREAD,
    AT_RISK_BEFORE_CHURN,
    AT_RISK_LEAD,
    AT_RISK_REASONS,
    BASE_ARR_MEAN,
    BASE_STARTED_MONTHS_BEFORE,
    CHANGE_TYPES,
    CHURN_PER_RENEWAL,
    CONTRACTION_PER_YEAR,
    CONTRACTION_SIZE,
    EPOCH,
    EXPANSION_PER_YEAR,
    EXPANSION_SIZE,
    FALSE_ALARM_SHARE,
    HEALTH_STATUSES,
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    RECOVERED_REASONS,
    RENEWAL_UPLIFT,
    RENEWAL_UPLIFT_SHARE,
    TERM_MONTHS,
    TERM_SHARES,
)
from kpitree.generator.randomness import TWO_TO_64, pick
from kpitree.generator.tables import (
    Defect,
    RawTable,
    id_sql,
    landed_table,
    lookup,
    width,
)

UNKNOWN_CHANGE_TYPES: tuple[str, ...] = ("pause", "downgrade_pending")
UNKNOWN_HEALTH_STATUSES: tuple[str, ...] = ("watch", "escalated")
EXPANSION, CONTRACTION, RENEWAL, CHURN = (CHANGE_TYPES.index(t) for t in CHANGE_TYPES)
# Renewal dates up to this many terms after the start, subscription years up to this many.
MAX_TERMS = 8
MAX_YEARS = 6


def draw(ctx: Context, *keys: str | int, name: str) -> str:
    """SQL for a uniform draw in [0, 1), independent of every other named draw on the same keys.

    ctx.u(keys, name) hashes (seed, keys..., salt): DuckDB combines the salt last, so two draws
    on the same keys differ by a constant XOR and are not independent. Choosing rows by one draw
    (the 6% of accounts that are customers on --start-date, the 8% of renewals with a false alarm)
    then fixes the high bits of every other draw of those rows: every earlier customer started
    in the same quarter, so renewals and churns fell in September to November only, and every
    recovered flag had the same reason. Hashing the hash again breaks the XOR relation.
    """
    return f"(hash({ctx.h(*keys, name=name)}) / {TWO_TO_64})"


def date_sql(day: str) -> str:
    return f"(date '{EPOCH.isoformat()}' + ({day})::integer)"


def day_sql(date: str) -> str:
    return f"date_diff('day', date '{EPOCH.isoformat()}', ({date})::date)"


def create(ctx: Context) -> None:
    create_subscriptions(ctx)
    create_changes(ctx)
    create_health(ctx)


def create_subscriptions(ctx: Context) -> None:
    q_term = draw(ctx, "account_number", "coalesce(opportunity_number, 0)", name="term")
    term = f"[{', '.join(str(m) for m in TERM_MONTHS)}][{pick('q_term', TERM_SHARES)} + 1]"
    low, high = BASE_STARTED_MONTHS_BEFORE
    q_low, q_high = AMOUNT_Q
    arr_q = f"({q_low} + {q_high - q_low} * {ctx.weyl('b.base_rank', 'arr', 'b.segment_code')})"
    ctx.run(
        f"""
        create table subscription_sources as
        select
            o.opportunity_number,
            j.account_number,
            j.segment_code,
            c.closed_us // {MICROS_PER_DAY} as started_day,
            c.won_amount as arr,
            c.closed_us as created_us
        from closed as c
        inner join opportunities as o on c.jid = o.jid
        inner join journeys as j on c.jid = j.jid
        where c.is_won and c.closed_us < {ctx.end_us}
        """
    )
    chosen = ctx.h("account_number", name="base_customer")
    ctx.run(
        f"""
        create table base_customers as
        with chosen as (
            select account_number, segment_code
            from accounts
            order by {chosen}, account_number
            limit {ctx.v.base_customers}
        )
        select
            *,
            row_number() over (partition by segment_code order by account_number) - 1
                as base_rank
        from chosen
        """
    )
    ctx.run(
        f"""
        insert into subscription_sources
        select
            null,
            b.account_number,
            b.segment_code,
            {ctx.start_day} - round(
                ({low} + {draw(ctx, "b.account_number", name="base_started")} * {high - low})
                * 30.44
            )::bigint,
            round({case_by_code("b.segment_code", list(BASE_ARR_MEAN))}
                * exp({AMOUNT_SPREAD} * ln({arr_q} / (1 - {arr_q}))) / {amount_factor_mean()!r}),
            {ctx.start_us}
        from base_customers as b
        """
    )
    ctx.run(
        f"""
        create table subscription_rows as
        with numbered as (
            select
                row_number() over (
                    order by started_day, opportunity_number nulls first, account_number
                ) as row_key,
                *,
                {q_term} as q_term
            from subscription_sources
        )
        select
            row_key,
            row_key as subscription_number,
            account_number,
            segment_code,
            opportunity_number,
            started_day,
            {term} as term_months,
            arr,
            {ctx.ingested("created_us", draw(ctx, "row_key", name="subscription_ingested"), 24)}
                as ingested_us
        from numbered
        """
    )


def create_changes(ctx: Context) -> None:
    started = date_sql("s.started_day")
    start, end = ctx.start_day, ctx.end_day
    churn = case_by_code("s.segment_code", list(CHURN_PER_RENEWAL))
    expansion = case_by_code("s.segment_code", list(EXPANSION_PER_YEAR))
    contraction = case_by_code("s.segment_code", list(CONTRACTION_PER_YEAR))
    in_range = f"between {start} and {end}"
    year_keys = ("s.subscription_number", "y.y")
    year_day = f"{day_sql(f'{started} + to_months(12 * y.y)')} + floor({{u}} * 365)::bigint"
    ctx.run(
        f"""
        create table change_candidates as
        with renewals as (
            select
                s.subscription_number,
                {RENEWAL} as kind_code,
                r.k,
                {day_sql(f"{started} + to_months(r.k * s.term_months)")} as effective_day,
                {draw(ctx, "s.subscription_number", "r.k", name="churn")} < {churn} as is_churn
            from subscription_rows as s, range(1, {MAX_TERMS + 1}) as r(k)
        ),
        years as (
            select s.subscription_number, s.segment_code, s.started_day, y.y,
                {year_day.format(u=draw(ctx, *year_keys, name="expansion_day"))} as expansion_day,
                {year_day.format(u=draw(ctx, *year_keys, name="contraction_day"))}
                    as contraction_day,
                {draw(ctx, "s.subscription_number", "y.y", name="expansion")} < {expansion}
                    as has_expansion,
                {draw(ctx, "s.subscription_number", "y.y", name="contraction")} < {contraction}
                    as has_contraction
            from subscription_rows as s, range({MAX_YEARS}) as y(y)
        )
        select subscription_number, kind_code, k, effective_day, is_churn
        from renewals
        where effective_day {in_range}
        union all
        select subscription_number, {EXPANSION}, y, expansion_day, false
        from years
        where has_expansion and expansion_day {in_range} and expansion_day > started_day
        union all
        select subscription_number, {CONTRACTION}, y, contraction_day, false
        from years
        where has_contraction and contraction_day {in_range} and contraction_day > started_day
        """
    )
    exp_low, exp_high = EXPANSION_SIZE
    con_low, con_high = CONTRACTION_SIZE
    up_low, up_high = RENEWAL_UPLIFT
    u_size = draw(ctx, "c.subscription_number", "c.kind_code", "c.k", name="change_size")
    ingested = ctx.ingested(
        f"effective_day * {MICROS_PER_DAY} + {8 * MICROS_PER_HOUR}",
        draw(ctx, "row_key", name="change_ingested"),
        48,
    )
    ctx.run(
        f"""
        create table change_rows as
        with first_churn as (
            select subscription_number, min(effective_day) as churn_day
            from change_candidates
            where is_churn
            group by 1
        ),
        kept as (
            select c.*
            from change_candidates as c
            left join first_churn as f on c.subscription_number = f.subscription_number
            where f.churn_day is null
                or c.effective_day < f.churn_day
                or (c.effective_day = f.churn_day and c.is_churn)
        ),
        sized as (
            select
                c.*,
                s.account_number,
                s.arr,
                case c.kind_code
                    when {EXPANSION}
                        then round(s.arr * ({exp_low} + {exp_high - exp_low} * {u_size}))
                    when {CONTRACTION}
                        then -round(s.arr * ({con_low} + {con_high - con_low} * {u_size}))
                    else case
                        when not c.is_churn
                            and {draw(ctx, "c.subscription_number", "c.k", name="uplift")}
                                < {RENEWAL_UPLIFT_SHARE}
                            then round(s.arr * ({up_low} + {up_high - up_low} * {u_size}))
                        else 0 end
                end as planned_change
            from kept as c
            inner join subscription_rows as s on c.subscription_number = s.subscription_number
        ),
        rolled as (
            select
                *,
                coalesce(sum(planned_change) over (
                    partition by subscription_number
                    order by effective_day, kind_code, k
                    rows between unbounded preceding and 1 preceding
                ), 0) as changed_before
            from sized
        ),
        numbered as (
            select
                row_number() over (
                    order by effective_day, subscription_number, kind_code, k
                ) as row_key,
                *
            from rolled
        )
        select
            row_key,
            row_key as change_number,
            subscription_number,
            account_number,
            case when is_churn then {CHURN} else kind_code end as change_type_code,
            effective_day,
            case when is_churn then -(arr + changed_before) else planned_change end as arr_change,
            {ingested} as ingested_us
        from numbered
        """
    )


def create_health(ctx: Context) -> None:
    lead = ctx.lag_days(AT_RISK_LEAD, draw(ctx, "c.change_number", name="at_risk_lead"))
    at_risk_reason = pick(
        draw(ctx, "c.change_number", name="at_risk_reason"), [1] * len(AT_RISK_REASONS)
    )
    ingested = ctx.ingested(
        f"flagged_day * {MICROS_PER_DAY} + {7 * MICROS_PER_HOUR}",
        draw(ctx, "row_key", name="flag_ingested"),
        24,
    )
    recovered_reason = pick(
        draw(ctx, "f.change_number", name="recovered_reason"), [1] * len(RECOVERED_REASONS)
    )
    ctx.run(
        f"""
        create table health_rows as
        with alarmed as (
            select
                c.change_number,
                c.account_number,
                c.change_type_code = {CHURN} as is_churn,
                c.effective_day - {lead} as at_risk_day,
                {at_risk_reason} as reason_code
            from change_rows as c
            where (c.change_type_code = {CHURN}
                    and {draw(ctx, "c.change_number", name="flag_churn")} < {AT_RISK_BEFORE_CHURN})
                or (c.change_type_code = {RENEWAL}
                    and {draw(ctx, "c.change_number", name="false_alarm")} < {FALSE_ALARM_SHARE})
        ),
        flags as (
            select change_number, account_number, at_risk_day as flagged_day, 0 as status_code,
                reason_code
            from alarmed
            union all
            select
                f.change_number,
                f.account_number,
                f.at_risk_day + 14 + floor(
                    {draw(ctx, "f.change_number", name="recovery")}
                    * (c.effective_day - f.at_risk_day - 15)
                )::bigint,
                1,
                {len(AT_RISK_REASONS)} + {recovered_reason}
            from alarmed as f
            inner join change_rows as c on f.change_number = c.change_number
            -- an episode whose at_risk flag predates --start-date is not written at all
            where not f.is_churn and f.at_risk_day >= {ctx.start_day}
        ),
        numbered as (
            select
                row_number() over (order by flagged_day, account_number, change_number, status_code)
                    as row_key,
                *
            from flags
            where flagged_day between {ctx.start_day} and {ctx.end_day}
        )
        select
            row_key,
            row_key as flag_number,
            account_number,
            flagged_day,
            status_code,
            reason_code,
            {ingested} as ingested_us
        from numbered
        """
    )


def subscription_id(ctx: Context, column: str) -> str:
    return id_sql("sub", column, width(ctx.o.events // 50 + 1000, 7))


def raw_tables(ctx: Context) -> list[RawTable]:
    subscriptions = landed_table(
        ctx,
        name="subscriptions",
        rows="subscription_rows",
        select=f"""
            {subscription_id(ctx, "r.subscription_number")} as subscription_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {opportunity_id(ctx, "r.opportunity_number")} as opportunity_id,
            {date_sql("r.started_day")} as started_on,
            r.term_months::integer as term_months,
            r.arr::double as arr,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.started_day, r.row_key",
        ids=("subscription_id", "subscription_number"),
        more=(Defect("negative_arr", "arr < 0", {"arr": "-t.arr"}),),
    )
    changes = landed_table(
        ctx,
        name="subscription_changes",
        rows="change_rows",
        select=f"""
            {id_sql("chg", "r.change_number", width(ctx.o.events // 50 + 1000, 7))} as change_id,
            {subscription_id(ctx, "r.subscription_number")} as subscription_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {lookup(CHANGE_TYPES + UNKNOWN_CHANGE_TYPES, "r.change_type_code")} as change_type,
            {date_sql("r.effective_day")} as effective_on,
            r.arr_change::double as arr_change,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.effective_day, r.row_key",
        ids=("change_id", "change_number"),
        vocabulary=("change_type", "change_type_code", CHANGE_TYPES, UNKNOWN_CHANGE_TYPES),
    )
    health = landed_table(
        ctx,
        name="account_health",
        rows="health_rows",
        select=f"""
            {id_sql("flg", "r.flag_number", width(ctx.o.events // 100 + 1000, 6))} as flag_id,
            {account_id(ctx, "r.account_number")} as account_id,
            {date_sql("r.flagged_day")} as flagged_on,
            {lookup(HEALTH_STATUSES + UNKNOWN_HEALTH_STATUSES, "r.status_code")} as status,
            {lookup(AT_RISK_REASONS + RECOVERED_REASONS, "r.reason_code")} as reason,
            {ctx.timestamp_of("r.ingested_us")} as ingested_at
        """,
        order_by="r.flagged_day, r.row_key",
        ids=("flag_id", "flag_number"),
        vocabulary=("status", "status_code", HEALTH_STATUSES, UNKNOWN_HEALTH_STATUSES),
    )
    return [subscriptions, changes, health]

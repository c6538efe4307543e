"""Billing as Stripe lands it (--billing stripe): the contract's subscriptions and
subscription_changes written a second time as Fivetran's Stripe tables, one folder of parquet
per table under DIR/stripe/ (docs/raw_data.md, "Billing: the Stripe tables").

Every subscription is one Stripe subscription of the account's customer, with one item whose
versions (history mode: _fivetran_start / _fivetran_end) carry its ARR: a custom price per
version (unit_amount_decimal in the customer's currency, cents per billing period) times a
quantity, billed yearly, every two years (24-month terms), quarterly (smb) or monthly
(mid-market, when the ARR divides into months), so that price x quantity x periods a year,
converted at the version's first day's rate of crm_common.RATES, is the contract's ARR to the
dollar. An expansion (10:00), a contraction (11:00) and a renewal uplift (00:00 of the term
end) each start a new item version; every term end starts a subscription version whose
current_period_start moves (the renewal); a churn is a canceled version (ended_at at the term
end, canceled_at up to 30 days before). Customers who predate the data were migrated into
Stripe the day before --start-date (created then, start_date backdated). Subscription metadata
holds the opportunity id and the term; customer metadata the CRM account id (one customer,
with a CRM, only its domain).

Planted for the connector, counted in the report's `billing.planted`: a customer no mapping
resolves, a customer billed in a currency without a rate (CHF), a test-mode customer
(livemode false), each with one subscription; a deleted customer; deleted item versions
(_fivetran_deleted). The reconciliation with the CRM (stripe__reconciliation): a share of won
deals start billing 1-14 days after they closed (the contract's started_on moves with them,
drawn from their own random stream, so nothing else changes); `billing.reconciliation` lists
them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpitree.generator.accounts import account_id
from kpitree.generator.context import Context, sql_literal
from kpitree.generator.crm_common import rate_sql
from kpitree.generator.customers import CHURN, CONTRACTION, EXPANSION, RENEWAL, subscription_id
from kpitree.generator.funnel_events import opportunity_id
from kpitree.generator.plan import MICROS_PER_DAY, MICROS_PER_HOUR

# Won deals whose subscription starts billing later than the close (1-14 days).
LATER_BILLING_SHARE = 0.04
LATER_BILLING_MAX_DAYS = 14
SYNCED = "timestamptz '2026-12-07 06:00:00+00'"
# The hour of the day (UTC) each change's item version starts at, by change type code.
CHANGE_HOURS = {EXPANSION: 10, CONTRACTION: 11, RENEWAL: 0}


def _day(day: str) -> str:
    return f"(date '1970-01-01' + ({day})::integer)"


def _ts(us: str) -> str:
    return f"make_timestamptz({us})"


def _iso_text(us: str) -> str:
    """A timestamp as Stripe's API text lands in some warehouses: '2026-03-01T10:00:00Z'."""
    return f"strftime({_ts(us)}, '%Y-%m-%dT%H:%M:%SZ')"


def delay_billing_starts(ctx: Context) -> None:
    """Move the start of a share of won deals' subscriptions 1-14 days after the close, in
    the contract too (subscription_rows), when no change falls before the later start."""
    chosen = ctx.u("s.subscription_number", name="billing_starts_later")
    days = ctx.u("s.subscription_number", name="billing_start_delay")
    ctx.run(
        f"""
        create table billing_delays as
        with eligible as (
            select
                s.subscription_number,
                s.started_day as won_day,
                {chosen} as u,
                1 + floor({days} * {LATER_BILLING_MAX_DAYS})::integer as delay_days
            from subscription_rows as s
            where s.opportunity_number is not null
                and s.started_day + {LATER_BILLING_MAX_DAYS} < {ctx.end_day}
                and not exists (
                    select 1 from change_rows as c
                    where c.subscription_number = s.subscription_number
                        and c.effective_day <= s.started_day + {LATER_BILLING_MAX_DAYS + 1}
                )
        )
        -- the share, and at least one at any size
        select subscription_number, won_day, delay_days
        from eligible
        where u < {LATER_BILLING_SHARE}
            or u = (select min(u) from eligible)
        """
    )
    ctx.run(
        """
        update subscription_rows as s
        set started_day = s.started_day + d.delay_days
        from billing_delays as d
        where s.subscription_number = d.subscription_number
        """
    )


def create(ctx: Context) -> None:
    """stripe_item_versions and stripe_subscription_versions from the contract's valid rows."""
    change_hour = " ".join(f"when {code} then {hour}" for code, hour in CHANGE_HOURS.items())
    currency = "(case account_number % 10 when 1 then 'EUR' when 2 then 'GBP' else 'USD' end)"
    ctx.run(
        f"""
        create table stripe_subscriptions as
        select
            s.*,
            {currency} as currency,
            case when s.opportunity_number is null
                then {ctx.start_day} * {MICROS_PER_DAY} - {MICROS_PER_HOUR}
                else s.started_day * {MICROS_PER_DAY} + 9 * {MICROS_PER_HOUR}
            end as created_us
        from subscription_rows as s
        """
    )
    ctx.run(
        f"""
        create table stripe_item_versions as
        with states as (
            select subscription_number, created_us as start_us, arr, 0 as version,
                ingested_us
            from stripe_subscriptions
            union all
            select
                c.subscription_number,
                c.effective_day * {MICROS_PER_DAY}
                    + (case c.change_type_code {change_hour} end) * {MICROS_PER_HOUR},
                s.arr + sum(c.arr_change) over (
                    partition by c.subscription_number
                    order by c.effective_day, c.change_type_code, c.change_number
                ),
                row_number() over (
                    partition by c.subscription_number
                    order by c.effective_day, c.change_type_code, c.change_number
                ),
                c.ingested_us
            from change_rows as c
            inner join stripe_subscriptions as s on c.subscription_number = s.subscription_number
            where c.change_type_code <> {CHURN} and c.arr_change <> 0
        ),
        timed as (
            select
                st.*,
                lead(st.start_us) over (
                    partition by st.subscription_number order by st.start_us
                ) as end_us,
                s.currency,
                s.segment_code,
                s.term_months,
                s.account_number
            from states as st
            inner join stripe_subscriptions as s on st.subscription_number = s.subscription_number
        ),
        billed as (
            select
                *,
                case
                    when term_months = 24 then 'year'
                    when segment_code = 0 then 'month'
                    when segment_code = 1 and arr % 3 = 0 then 'month'
                    else 'year'
                end as interval,
                case
                    when term_months = 24 then 2
                    when segment_code = 0 then 3
                    else 1
                end as interval_count,
                case when segment_code = 2 and term_months <> 24 then 4 else 1 end as quantity,
                {rate_sql("currency", f"start_us // {MICROS_PER_DAY}")} as units_per_usd
            from timed
        )
        select
            *,
            arr * 100.0 * units_per_usd
                / (case interval when 'year' then 1.0 / interval_count
                    else 12.0 / interval_count end)
                / quantity as unit_decimal
        from billed
        """
    )
    ctx.run(
        f"""
        create table stripe_subscription_versions as
        with renewals as (
            select subscription_number, effective_day, ingested_us
            from change_rows where change_type_code = {RENEWAL}
        ),
        churns as (
            select subscription_number, effective_day, ingested_us
            from change_rows where change_type_code = {CHURN}
        ),
        versions as (
            select s.subscription_number, s.created_us as start_us, 'active' as status,
                s.started_day as period_day, null::bigint as canceled_us,
                null::bigint as ended_us, s.ingested_us
            from stripe_subscriptions as s
            union all
            select subscription_number, effective_day * {MICROS_PER_DAY}, 'active',
                effective_day, null, null, ingested_us
            from renewals
            union all
            select c.subscription_number, greatest(
                    c.effective_day * {MICROS_PER_DAY} - 30 * {MICROS_PER_DAY},
                    s.created_us + {MICROS_PER_HOUR // 2}
                ), 'active', null, greatest(
                    c.effective_day * {MICROS_PER_DAY} - 30 * {MICROS_PER_DAY},
                    s.created_us + {MICROS_PER_HOUR // 2}
                ), null, c.ingested_us
            from churns as c
            inner join stripe_subscriptions as s on c.subscription_number = s.subscription_number
            union all
            select subscription_number, effective_day * {MICROS_PER_DAY}, 'canceled', null,
                null, effective_day * {MICROS_PER_DAY}, ingested_us
            from churns
        ),
        carried as (
            select
                subscription_number, start_us, status,
                last_value(period_day ignore nulls) over w as period_day,
                last_value(canceled_us ignore nulls) over w as canceled_us,
                ended_us,
                ingested_us,
                lead(start_us) over (partition by subscription_number order by start_us)
                    as end_us
            from versions
            window w as (partition by subscription_number order by start_us
                rows between unbounded preceding and current row)
        )
        select c.*, s.term_months, s.started_day, s.account_number, s.opportunity_number,
            s.created_us, s.currency
        from carried as c
        inner join stripe_subscriptions as s on c.subscription_number = s.subscription_number
        """
    )


def _planted_customers() -> str:
    """The extra customers (number, metadata, currency, livemode, is_deleted, reason)."""
    return """
        (values
            (1, '{"company": "Globex Holdings"}', 'USD', true, false),
            (2, '{"crm_account_id": "cust-chf-0001"}', 'CHF', true, false),
            (3, '{"crm_account_id": "test-account"}', 'USD', false, false),
            (4, '{"crm_account_id": "deleted-account"}', 'USD', true, true)
        ) as p(n, metadata, currency, livemode, is_deleted)
    """


def tables(ctx: Context) -> dict[str, str]:
    """Each Stripe table's select."""
    account = account_id(ctx, "v.account_number")
    sub_id = subscription_id(ctx, "v.subscription_number")  # the contract's, as Stripe's
    cus_id = "'cus_' || lpad(v.account_number::varchar, 10, '0')"
    item_id = "'si_' || lpad(v.subscription_number::varchar, 10, '0')"
    price_id = "'price_' || v.subscription_number::varchar || '_' || v.version::varchar"
    domain_customer = (
        "(select min(account_number) from stripe_subscriptions where currency = 'USD')"
        if ctx.o.crm != "contract"
        else "-1"
    )
    metadata = (
        f'case when v.account_number = {domain_customer} then \'{{"domain": "\' || '
        f"'acct' || lpad(v.account_number::varchar, 7, '0') || '.example.com\"}}' "
        f'else \'{{"crm_account_id": "\' || {account} || \'", "segment": "\' || '
        f"v.segment_code::varchar || '\"}}' end"
    )
    planted = _planted_customers()
    customer = f"""
        select {cus_id} as id, 'Customer ' || v.account_number::varchar as name,
            'billing@acct' || lpad(v.account_number::varchar, 7, '0') || '.example.com' as email,
            lower(v.currency) as currency, {metadata} as metadata, true as livemode,
            false as is_deleted, {_ts("v.created_us")} as created,
            false as _fivetran_deleted, {SYNCED} as _fivetran_synced
        from (
            select account_number, segment_code, currency, min(created_us) as created_us
            from stripe_subscriptions
            group by 1, 2, 3
        ) as v
        union all
        select 'cus_planted' || n::varchar, 'Planted ' || n::varchar,
            'billing@planted' || n::varchar || '.example.org', lower(currency), metadata,
            livemode, is_deleted, timestamptz '2026-06-01 09:00:00+00', false, {SYNCED}
        from {planted}
        order by id
    """
    sub_metadata = (
        "'{' || case when v.opportunity_number is not null then '\"opportunity_id\": \"' || "
        f"{opportunity_id(ctx, 'v.opportunity_number')} || '\", ' else '' end || "
        "'\"term_months\": \"' || v.term_months::varchar || '\"}'"
    )
    subscription_history = f"""
        select
            {sub_id} as id,
            {_ts("v.start_us")} as _fivetran_start,
            coalesce({_ts("v.end_us")}, timestamptz '9999-12-31 23:59:59+00') as _fivetran_end,
            v.end_us is null as _fivetran_active,
            {cus_id} as customer_id,
            v.status,
            {_ts("v.created_us")} as created,
            {_day("v.started_day")}::timestamptz as start_date,
            {_iso_text(f"v.period_day * {MICROS_PER_DAY}")} as current_period_start,
            strftime({_day("v.period_day")} + to_months(v.term_months), '%Y-%m-%dT%H:%M:%SZ')
                as current_period_end,
            v.canceled_us is not null as cancel_at_period_end,
            case when v.canceled_us is not null then {_iso_text("v.canceled_us")} end
                as canceled_at,
            {_ts("v.ended_us")} as ended_at,
            'charge_automatically' as collection_method,
            {sub_metadata} as metadata,
            true as livemode,
            {_ts("v.ingested_us")} as _fivetran_synced
        from stripe_subscription_versions as v
        union all
        select 'sub_planted' || n::varchar, timestamptz '2026-06-01 09:00:00+00',
            timestamptz '9999-12-31 23:59:59+00', true, 'cus_planted' || n::varchar, 'active',
            timestamptz '2026-06-01 09:00:00+00', timestamptz '2026-06-01 00:00:00+00',
            '2026-06-01T00:00:00Z', '2027-06-01T00:00:00Z', false, null, null,
            'charge_automatically', '{{"term_months": "12"}}', livemode,
            timestamptz '2026-06-01 12:00:00+00'
        from {planted} where not is_deleted
        order by id, _fivetran_start
    """
    subscription_item = f"""
        select
            {item_id} as id,
            {_ts("v.start_us")} as _fivetran_start,
            coalesce({_ts("v.end_us")}, timestamptz '9999-12-31 23:59:59+00') as _fivetran_end,
            v.end_us is null as _fivetran_active,
            {sub_id} as subscription_id,
            {price_id} as price_id,
            v.quantity,
            {_ts("v.start_us")} as created,
            '{{}}' as metadata,
            false as _fivetran_deleted,
            {_ts("v.ingested_us")} as _fivetran_synced
        from stripe_item_versions as v
        union all
        -- an add-on item removed at the source: its rows are deleted, not billed
        select 'si_deleted' || {item_id}, {_ts("v.start_us")},
            timestamptz '9999-12-31 23:59:59+00', true, {sub_id}, {price_id}, 3,
            {_ts("v.start_us")}, '{{}}', true, {_ts("v.ingested_us")}
        from stripe_item_versions as v
        where v.version = 0 and v.subscription_number % 17 = 0
        union all
        select 'si_planted' || n::varchar, timestamptz '2026-06-01 09:00:00+00',
            timestamptz '9999-12-31 23:59:59+00', true, 'sub_planted' || n::varchar,
            'price_planted' || n::varchar, 1, timestamptz '2026-06-01 09:00:00+00', '{{}}',
            false, timestamptz '2026-06-01 12:00:00+00'
        from {planted} where not is_deleted
        order by 1, 2
    """
    price = f"""
        select
            {price_id} as id,
            lower(v.currency) as currency,
            case when v.unit_decimal = floor(v.unit_decimal)
                then v.unit_decimal::bigint end as unit_amount,
            cast(v.unit_decimal as varchar) as unit_amount_decimal,
            'recurring' as type,
            v.interval as recurring_interval,
            v.interval_count as recurring_interval_count,
            'licensed' as recurring_usage_type,
            'per_unit' as billing_scheme,
            'prod_platform' as product_id,
            'Platform (' || {sub_id} || ' v' || v.version::varchar || ')' as nickname,
            true as active,
            true as livemode,
            false as is_deleted,
            {_ts("v.start_us")} as created,
            {SYNCED} as _fivetran_synced
        from stripe_item_versions as v
        union all
        select 'price_planted' || n::varchar, lower(currency), 1200000, '1200000', 'recurring',
            'year', 1, 'licensed', 'per_unit', 'prod_platform', 'Planted', true, livemode,
            false, timestamptz '2026-06-01 09:00:00+00', {SYNCED}
        from {planted} where not is_deleted
        order by id
    """
    # one invoice per subscription version that starts a period (read for context only)
    invoice = f"""
        select
            'in_' || lpad(v.subscription_number::varchar, 10, '0') || '_'
                || v.period_day::varchar as id,
            {cus_id} as customer_id,
            {sub_id} as subscription_id,
            lower(v.currency) as currency,
            'paid' as status,
            {_day("v.period_day")}::timestamptz as period_start,
            ({_day("v.period_day")} + to_months(v.term_months))::timestamptz as period_end,
            {_ts("v.start_us")} as created,
            true as livemode,
            false as is_deleted,
            {SYNCED} as _fivetran_synced
        from stripe_subscription_versions as v
        where v.status = 'active' and v.canceled_us is null
        order by id
    """
    # the legacy plans every Stripe account still lands (no item of the demo uses one)
    plan = f"""
        select 'plan_legacy_seat_monthly' as id, 'usd' as currency, 5000 as amount,
            '5000' as amount_decimal, 'month' as interval, 1 as interval_count,
            'Seat (legacy)' as nickname, true as active, true as livemode,
            false as is_deleted, timestamptz '2019-06-01 00:00:00+00' as created,
            {SYNCED} as _fivetran_synced
    """
    return {
        "customer": customer,
        "subscription_history": subscription_history,
        "subscription_item": subscription_item,
        "price": price,
        "plan": plan,
        "invoice": invoice,
    }


def write(ctx: Context) -> dict[str, Any]:
    """Write the Stripe tables when --billing stripe is given; returns the report's `billing`
    section (rows per table, what was planted, the reconciliation's planted differences)."""
    if ctx.o.billing != "stripe":
        return {}
    delay_billing_starts(ctx)
    create(ctx)
    folder = ctx.o.output_dir / "stripe"
    rows: dict[str, int] = {}
    for name, select in tables(ctx).items():
        path = folder / name / "part-0000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*.parquet"):
            old.unlink()
        ctx.run(f"copy ({select}) to {sql_literal(str(path))} (format parquet)")
        rows[name] = int(ctx.scalar(f"select count(*) from read_parquet({sql_literal(str(path))})"))
    delayed = ctx.con.execute(
        f"""
        select
            {opportunity_id(ctx, "s.opportunity_number")},
            strftime({_day("d.won_day")}, '%Y-%m-%d'),
            strftime({_day("s.started_day")}, '%Y-%m-%d'),
            s.arr
        from billing_delays as d
        inner join subscription_rows as s on d.subscription_number = s.subscription_number
        order by 2, 1
        """
    ).fetchall()
    return {
        "name": "stripe",
        "folder": str(folder),
        "rows": rows,
        "planted": planted(ctx, folder),
        "reconciliation": {
            "billing_starts_later": [
                {"opportunity_id": o, "won_on": w, "billing_starts_on": b, "arr": float(a)}
                for o, w, b, a in delayed
            ],
        },
    }


def planted(ctx: Context, folder: Path) -> dict[str, int]:
    """What the connector must quarantine (stripe__rejected rows by reason) or filter,
    counted in the written files."""

    def count(table: str, where: str) -> int:
        files = sql_literal(str(folder / table / "*.parquet"))
        return int(ctx.scalar(f"select count(*) from read_parquet({files}) where {where}"))

    return {
        "unmatched_customer": count("subscription_history", "id = 'sub_planted1'"),
        "missing_currency_rate": count("subscription_history", "id = 'sub_planted2'"),
        "test_mode": count("subscription_history", "not livemode"),
        "deleted_records": count("customer", "is_deleted")
        + count("subscription_item", "_fivetran_deleted"),
        "history_versions": count("subscription_history", "not _fivetran_active")
        + count("subscription_item", "not _fivetran_active"),
        "non_usd_subscriptions": count(
            "subscription_history",
            "_fivetran_active and customer_id in (select id from "
            f"read_parquet({sql_literal(str(folder / 'customer' / '*.parquet'))}) "
            "where currency in ('eur', 'gbp'))",
        ),
        "domain_only_customers": count("customer", "metadata like '{\"domain\"%'"),
    }


__all__ = ["tables", "write"]

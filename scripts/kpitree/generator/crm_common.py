"""The simulated business as a CRM holds it: what every CRM writer (crm_salesforce.py,
crm_hubspot.py) formats in its vendor's shape.

`--crm salesforce` or `--crm hubspot` writes the same business as the contract run of the same
seed: the CRM tables carry the journeys (one inquiry each: a demo request, an ABM or partner
lead, a product sign-up), the meetings with their invitees and who came, the opportunities with
their stage history, the campaign responses and the accounts; the contract tables no CRM holds
(sessions, ad spend, engagement, registrations, product events, billing) are written as the
contract run writes them, with the CRM's ids. These tables (DuckDB, numbers only) are built
from the generator's own tables once every valid row exists, before bad rows are injected:

- `crm_accounts`: every account with its web domain, employees, country and currency;
- `crm_journeys`: the journeys that reach the CRM (inbound demo requests; every journey that
  books a meeting or becomes an opportunity), with the time they convert (the booking, or for
  product-led journeys the opportunity);
- `crm_meetings`, `crm_meeting_people`: meetings booked before --end-date, their outcome
  (held, no-show, still to come), invitees, who came and each one's buying role then;
- `crm_role_changes`: every change of a person's buying role (its history);
- `crm_deals`, `crm_stage_rows`: new-business opportunities created before --end-date and the
  expansion and renewal opportunities of billing, with every stage they entered (stage codes
  the writers name: STAGE_*), amounts in the deal's currency at its close date's rate;
- `crm_responses`: campaign responses: each journey's first (its start, on its campaign) and
  every later touch of an opportunity's journey;
- `crm_people`: every person the CRM knows as a contact.

Planted for the connectors to handle (docs/raw_data.md, "The CRM tables"): a share of amounts in
EUR and GBP, stage names and values no seed maps (on records that are not part of the business
or do not change its numbers), and, per writer, deleted, merged and history-mode rows.
"""

from __future__ import annotations

import datetime as dt

from kpitree.generator.context import Context
from kpitree.generator.funnel_events import CODE
from kpitree.generator.plan import (
    CHANGE_TYPES,
    CONTACTS_PER_ACCOUNT,
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    day_number,
)
from kpitree.generator.randomness import pick

CRMS: tuple[str, ...] = ("salesforce", "hubspot")

# Countries per region (name, ISO code, currency); seeds/crm_country_regions.csv maps them.
COUNTRIES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("United States", "US", "USD"),) * 4 + (("Canada", "CA", "USD"),),
    (
        ("United Kingdom", "GB", "GBP"),
        ("Germany", "DE", "EUR"),
        ("France", "FR", "EUR"),
        ("Netherlands", "NL", "EUR"),
        ("Sweden", "SE", "USD"),
    ),
    (
        ("Australia", "AU", "USD"),
        ("Japan", "JP", "USD"),
        ("Singapore", "SG", "USD"),
        ("India", "IN", "USD"),
    ),
    (("Brazil", "BR", "USD"), ("Mexico", "MX", "USD"), ("Chile", "CL", "USD")),
)
# Employees per segment (smb, mid_market, enterprise): seeds/crm_account_segments.csv bands.
EMPLOYEES: tuple[tuple[int, int], ...] = ((10, 199), (200, 999), (1000, 20000))
# Units of a currency per USD, from a day on (binary fractions, so that an amount converted
# there and back is the same dollar amount exactly). seeds/crm_currency_rates.csv holds the
# same rates; Salesforce's writer lands them as its dated conversion rates.
RATES: tuple[tuple[str, dt.date, float], ...] = (
    ("EUR", dt.date(2024, 1, 1), 0.875),
    ("EUR", dt.date(2026, 1, 1), 0.8125),
    ("GBP", dt.date(2024, 1, 1), 0.75),
    ("GBP", dt.date(2026, 1, 1), 0.6875),
)
# Stage codes of crm_stage_rows, named by each writer.
STAGE_CREATED = 0
STAGE_QUALIFIED = 1
STAGE_PROPOSAL = 2
STAGE_NEGOTIATION = 3
STAGE_UNMAPPED = 4
STAGE_WON = 5
STAGE_LOST = 6
# Deal kinds: a new-business opportunity of the funnel, or billing's expansion and renewal.
DEAL_NEW, DEAL_EXPANSION, DEAL_RENEWAL = 0, 1, 2
# Meeting outcomes.
OUTCOME_HELD, OUTCOME_NO_SHOW, OUTCOME_PENDING = 0, 1, 2
# Shares of planted records.
UNMAPPED_STAGE_SHARE = 0.05  # closes that pass through a stage no seed maps first


def rate_sql(currency: str, day: str) -> str:
    """SQL: units of `currency` (a SQL text) per USD on `day` (a day number)."""
    whens = []
    for code in sorted({c for c, _, _ in RATES}):
        periods = sorted((start, rate) for c, start, rate in RATES if c == code)
        inner = " ".join(
            f"when {day} >= {day_number(start)} then {rate!r}" for start, rate in reversed(periods)
        )
        whens.append(f"when {currency} = '{code}' then (case {inner} else {periods[0][1]!r} end)")
    return f"(case {' '.join(whens)} else 1.0 end)"


def country_sql(region: str, u: str, column: int) -> str:
    """SQL: the name (0), code (1) or currency (2) of an account's country, drawn by u."""
    whens = []
    for code, countries in enumerate(COUNTRIES):
        values = ", ".join(f"'{c[column]}'" for c in countries)
        whens.append(f"when {code} then [{values}][1 + floor({u} * {len(countries)})::int]")
    return f"(case {region} {' '.join(whens)} end)"


def create(ctx: Context) -> None:
    """Build the crm_* tables (see the module docstring)."""
    create_accounts(ctx)
    create_journeys(ctx)
    create_meetings(ctx)
    create_deals(ctx)
    create_responses(ctx)
    create_people(ctx)


def create_accounts(ctx: Context) -> None:
    low = "[" + ", ".join(str(lo) for lo, _ in EMPLOYEES) + "]"
    high = "[" + ", ".join(str(hi) for _, hi in EMPLOYEES) + "]"
    u_country = ctx.u("account_number", name="crm_country")
    ctx.run(
        f"""
        create table crm_accounts as
        select
            account_number,
            segment_code,
            region_code,
            is_target_account,
            {low}[segment_code + 1] + floor(
                {ctx.u("account_number", name="crm_employees")}
                * ({high}[segment_code + 1] - {low}[segment_code + 1] + 1)
            )::bigint as employees,
            {country_sql("region_code", u_country, 0)} as country_name,
            {country_sql("region_code", u_country, 1)} as country_code,
            {country_sql("region_code", u_country, 2)} as currency,
            'acct' || lpad(account_number::varchar, 7, '0') || '.example.com' as domain,
            {ctx.u("account_number", name="crm_account_draw")} as draw
        from accounts
        """
    )


def create_journeys(ctx: Context) -> None:
    """The journeys that reach the CRM: inbound demo requests, and every journey that books
    a meeting (converted then) or becomes an opportunity without one (product-led)."""
    end = ctx.end_us
    ctx.run(
        f"""
        create table crm_journeys as
        with joined as (
            select
                j.*,
                case when d.demo_us < {end} then d.demo_us end as demo_us,
                case when s.scheduled_us < {end} then s.scheduled_us end as scheduled_us,
                case when o.created_us < {end} then o.opportunity_number end
                    as opportunity_number,
                case when o.created_us < {end} then o.created_us end as opportunity_us
            from journeys as j
            left join demos as d on j.jid = d.jid
            left join scheduled as s on j.jid = s.jid
            left join opportunities as o on j.jid = o.jid
        )
        select
            jid,
            motion_code,
            campaign_code,
            channel_code,
            account_number,
            contact_number as person,
            start_us,
            coalesce(demo_us, start_us) as requested_us,
            coalesce(scheduled_us, opportunity_us) as converted_us,
            case when scheduled_us is null then opportunity_number end
                as converted_opportunity_number
        from joined
        where demo_us is not null or scheduled_us is not null or opportunity_us is not null
        """
    )


def create_meetings(ctx: Context) -> None:
    """Meetings booked before --end-date, their people (from meeting_attendees' valid rows:
    the invitees, and who came), buying roles and role history."""
    end = ctx.end_us
    ctx.run(
        f"""
        create table crm_meetings as
        select
            s.jid,
            j.account_number,
            j.contact_number as person,
            s.scheduled_us,
            m.meeting_us,
            case
                when h.jid is not null and h.meeting_us < {end} then {OUTCOME_HELD}
                when m.meeting_us < {end} then {OUTCOME_NO_SHOW}
                else {OUTCOME_PENDING}
            end as outcome_code
        from scheduled as s
        inner join meetings as m on s.jid = m.jid
        inner join journeys as j on s.jid = j.jid
        left join held as h on s.jid = h.jid
        where s.scheduled_us < {end}
        """
    )
    persona = pick(ctx.u("p.person", "p.jid", name="crm_role_name"), (0.5, 0.5))
    other = pick(ctx.u("p.person", "p.jid", name="crm_role_name"), (0.25, 0.25, 0.25, 0.25))
    ctx.run(
        f"""
        create table crm_meeting_people as
        with listed as (
            select
                f.jid,
                a.contact_number as person,
                max(a.persona_code) as persona_code,
                max(case when f.type_code = {CODE["meeting_held"]} then 1 else 0 end) = 1
                    as attended
            from attendee_rows as a
            inner join followups as f on a.meeting_event = f.event_number
            group by 1, 2
        )
        select
            p.*,
            m.scheduled_us,
            m.outcome_code,
            -- the role's variant: writers name economic buyers two ways, others four
            case p.persona_code when 0 then {persona} when 1 then 0 else {other} end
                as role_variant
        from listed as p
        inner join crm_meetings as m on p.jid = m.jid
        """
    )
    ctx.run(
        """
        create table crm_role_changes as
        with ordered as (
            select
                person,
                scheduled_us,
                jid,
                persona_code,
                role_variant,
                lag(persona_code) over w as previous_persona,
                lag(role_variant) over w as previous_variant
            from crm_meeting_people
            window w as (partition by person order by scheduled_us, jid)
        )
        select
            row_number() over (order by person, scheduled_us, jid) as change_number,
            person,
            scheduled_us as changed_us,
            previous_persona,
            previous_variant,
            persona_code,
            role_variant
        from ordered
        where previous_persona is not null
            and (previous_persona <> persona_code or previous_variant <> role_variant)
        """
    )


def create_deals(ctx: Context) -> None:
    """New-business opportunities (created before --end-date) and billing's expansions and
    renewals, in their account's currency, with every stage each entered."""
    end = ctx.end_us
    expansion = CHANGE_TYPES.index("expansion")
    renewal = CHANGE_TYPES.index("renewal")
    offset = 10 * (ctx.o.events + 1000)
    ctx.run(
        f"""
        create table crm_deal_base as
        select
            o.opportunity_number as deal_number,
            {DEAL_NEW} as deal_kind,
            o.jid,
            j.motion_code,
            j.campaign_code,
            j.channel_code,
            j.account_number,
            j.contact_number as person,
            o.created_us,
            o.amount as amount_usd,
            case when q.qualified_us < {end} then q.qualified_us end as qualified_us,
            case when c.closed_us < {end} then c.closed_us end as closed_us,
            case when c.closed_us < {end} then c.is_won end as is_won,
            case when c.closed_us < {end} and c.is_won then c.won_amount end as won_usd
        from opportunities as o
        inner join journeys as j on o.jid = j.jid
        left join qualified as q on o.jid = q.jid
        left join closed as c on o.jid = c.jid
        where o.created_us < {end}
        union all
        select
            {offset} + ch.change_number,
            case ch.change_type_code when {expansion} then {DEAL_EXPANSION}
                else {DEAL_RENEWAL} end,
            null,
            null,
            null,
            null,
            ch.account_number,
            null,
            ch.effective_day * {MICROS_PER_DAY} - 21 * {MICROS_PER_DAY}
                + 10 * {MICROS_PER_HOUR},
            greatest(ch.arr_change, 0),
            null,
            ch.effective_day * {MICROS_PER_DAY} + 11 * {MICROS_PER_HOUR},
            true,
            greatest(ch.arr_change, 0)
        from change_rows as ch
        where ch.change_type_code in ({expansion}, {renewal})
            and ch.effective_day * {MICROS_PER_DAY} + 11 * {MICROS_PER_HOUR} < {end}
        """
    )
    close_day = f"coalesce(b.closed_us, b.created_us + 90 * {MICROS_PER_DAY}) // {MICROS_PER_DAY}"
    ctx.run(
        f"""
        create table crm_deals as
        select
            b.*,
            a.currency,
            {close_day} as close_day,
            {rate_sql("a.currency", close_day)} as rate,
            {ctx.u("b.deal_number", name="crm_deal_draw")} as draw
        from crm_deal_base as b
        inner join crm_accounts as a on b.account_number = a.account_number
        """
    )
    u_unmapped = ctx.u("deal_number", name="crm_unmapped_stage")
    ctx.run(
        f"""
        create table crm_stage_rows as
        with stages as (
            select deal_number, {STAGE_CREATED} as stage_code, created_us as entered_us,
                amount_usd as usd
            from crm_deals
            where deal_kind = {DEAL_NEW}
            union all
            select deal_number, {STAGE_QUALIFIED}, qualified_us, amount_usd
            from crm_deals
            where qualified_us is not null
            union all
            -- a proposal a third of the way to the close (or to --end-date), a negotiation
            -- at two thirds, both after the qualification
            select deal_number, {STAGE_PROPOSAL},
                qualified_us + (coalesce(closed_us, {end} - 1) - qualified_us) // 3, amount_usd
            from crm_deals
            where qualified_us is not null
            union all
            select deal_number, {STAGE_NEGOTIATION},
                qualified_us + 2 * (coalesce(closed_us, {end} - 1) - qualified_us) // 3,
                amount_usd
            from crm_deals
            where qualified_us is not null and closed_us is not null
            union all
            select deal_number, {STAGE_UNMAPPED},
                closed_us - {MICROS_PER_HOUR}, amount_usd
            from crm_deals
            where closed_us is not null and deal_kind = {DEAL_NEW}
                and {u_unmapped} < {UNMAPPED_STAGE_SHARE}
            union all
            select deal_number, {STAGE_CREATED}, created_us, amount_usd
            from crm_deals
            where deal_kind <> {DEAL_NEW}
            union all
            select deal_number, case when is_won then {STAGE_WON} else {STAGE_LOST} end,
                closed_us, case when is_won then won_usd else amount_usd end
            from crm_deals
            where closed_us is not null
        )
        select
            row_number() over (order by s.deal_number, s.entered_us, s.stage_code)
                as stage_row_number,
            s.deal_number,
            s.stage_code,
            s.entered_us,
            s.usd * d.rate as amount,
            lag(s.stage_code) over (
                partition by s.deal_number order by s.entered_us, s.stage_code
            ) as previous_stage_code
        from stages as s
        inner join crm_deals as d on s.deal_number = d.deal_number
        """
    )


def create_responses(ctx: Context) -> None:
    """Campaign responses: every journey's start on its campaign (its first touch), and the
    later touches of opportunities' journeys (touches' valid rows after the first)."""
    ctx.run(
        f"""
        create table crm_responses as
        select
            jid as response_key,
            jid,
            person,
            campaign_code,
            start_us as responded_us,
            true as is_journey_start
        from crm_journeys
        union all
        select
            {10 * (ctx.o.events + 1000)} + t.touch_number,
            null,
            t.contact_number,
            t.campaign_code,
            t.touched_us,
            false
        from (
            select
                *,
                row_number() over (partition by opportunity_number order by touched_us, row_key)
                    as touch_rank
            from touch_rows
        ) as t
        where t.touch_rank > 1
        """
    )


def create_people(ctx: Context) -> None:
    """Every person the CRM knows as a contact: converted journeys' people, meeting
    invitees, opportunities' contacts and the people later touches reach; with their
    current buying role."""
    ctx.run(
        f"""
        create table crm_people as
        with referenced as (
            select person, converted_us as seen_us from crm_journeys
            where converted_us is not null
            union all
            select person, scheduled_us from crm_meeting_people
            union all
            select person, created_us from crm_deals where person is not null
            union all
            select person, responded_us from crm_responses where not is_journey_start
        ),
        roles as (
            select person, persona_code, role_variant
            from (
                select *, row_number() over (
                    partition by person order by scheduled_us desc, jid desc) as recency
                from crm_meeting_people
            )
            where recency = 1
        )
        select
            r.person,
            r.person // {CONTACTS_PER_ACCOUNT} as account_number,
            min(r.seen_us) as first_seen_us,
            any_value(roles.persona_code) as persona_code,
            any_value(roles.role_variant) as role_variant,
            {ctx.u("r.person", name="crm_person_draw")} as draw
        from referenced as r
        left join roles on r.person = roles.person
        group by r.person
        """
    )


def email_sql(person: str, account: str) -> str:
    """SQL: a person's email at their account's domain."""
    return (
        f"'p' || lpad(({person})::varchar, 9, '0') || '@acct' "
        f"|| lpad(({account})::varchar, 7, '0') || '.example.com'"
    )


# Each deal's stage now: its latest stage row.
LAST_STAGES = """
    select *
    from (
        select *, row_number() over (
            partition by deal_number order by entered_us desc, stage_code desc) as recency
        from crm_stage_rows
    )
    where recency = 1
"""


def account_versions(ctx: Context) -> str:
    """SQL: crm_accounts as a history-mode table holds them: every account's current
    version, and an older one (is_current false) of 3% of them, changed on changed_us."""
    changed = (
        f"{ctx.start_us} + ({ctx.u('a.account_number', name='crm_changed')} * 300)::bigint "
        f"* {MICROS_PER_DAY}"
    )
    return f"""
        select a.*, {changed} as changed_us, a.draw >= 0.02 and a.draw < 0.05 as has_old,
            true as is_current
        from crm_accounts as a
        union all
        select a.*, {changed}, true, false
        from crm_accounts as a
        where a.draw >= 0.02 and a.draw < 0.05
    """

"""The business as Salesforce holds it (--crm salesforce): the tables a managed connector
(Fivetran) lands, from crm_common's tables.

One lead per journey (record type by motion, lead source and first campaign membership by
campaign), converted to a contact when sales books its first meeting (product-led: when the
opportunity is created, converted_opportunity_id set); meetings are events of type Meeting
(created when booked, starting when held, outcome in the custom field meeting_outcome__c) with
their invitees as event relations (Accepted: came); buying roles in the custom field
buying_role__c with their history in contact_history; opportunities with stage history in
opportunity_history and opportunity_field_history, stock stage names, the primary campaign, a
primary contact role where the opportunity has no contact, amounts in the account's currency
(EUR, GBP: advanced currency management's dated rates) and fiscal years starting in February.

Planted: accounts in history mode (an older, inactive version of 3%), merged accounts,
contacts and leads (deleted, master_record_id set; leads still converted to the merged-away
contact, events still on the merged-away account), deleted opportunities, leads and events,
calls beside the meetings, a stage no seed maps before 5% of closes, leads from a lead source
no seed maps and from a purchased list, accounts with a country or an employee count no seed
maps, opportunities of a type no seed maps, and billing's expansions and renewals as
opportunities of another type.
"""

from __future__ import annotations

from pathlib import Path

from kpitree.generator.accounts import account_id, contact_id
from kpitree.generator.context import Context, sql_literal
from kpitree.generator.crm_common import (
    DEAL_EXPANSION,
    DEAL_NEW,
    DEAL_RENEWAL,
    LAST_STAGES,
    OUTCOME_HELD,
    OUTCOME_NO_SHOW,
    RATES,
    STAGE_CREATED,
    STAGE_LOST,
    STAGE_NEGOTIATION,
    STAGE_PROPOSAL,
    STAGE_QUALIFIED,
    STAGE_UNMAPPED,
    STAGE_WON,
    account_versions,
    email_sql,
)
from kpitree.generator.funnel_events import opportunity_id
from kpitree.generator.plan import CAMPAIGNS, CHANNELS, MICROS_PER_DAY, MICROS_PER_HOUR
from kpitree.generator.tables import salesforce_id

# Offsets that keep the ids of planted records apart from the business's.
MERGED = 1_000_000_000
NOISE = 2_000_000_000
DELETED = 3_000_000_000
# Lead record types by motion, then opportunity record types (record_type).
RECORD_TYPES: tuple[tuple[str, str], ...] = (
    ("Inbound Lead", "Lead"),
    ("Target Account Lead", "Lead"),
    ("Partner Lead", "Lead"),
    ("Product Sign-up", "Lead"),
    ("Standard", "Opportunity"),
    ("Partner Deal", "Opportunity"),
    ("Self-Serve", "Opportunity"),
    ("Expansion", "Opportunity"),
)
# Lead source by channel, campaign type by campaign.
LEAD_SOURCES: dict[str, str] = {
    "paid_search": "Advertisement",
    "seo": "Organic Search",
    "email": "Email",
    "events": "Trade Show",
    "partner": "Partner Referral",
    "direct": "Web",
    "content": "Content Syndication",
}


def campaign_type(channel: str, theme: str) -> str:
    if channel == "events":
        return {"webinar": "Webinar", "trade_show": "Trade Show"}.get(
            theme, "Trade Show" if theme == "trade_show_booth" else "Conference"
        )
    if channel == "partner":
        return "Referral Program" if theme == "referral" else "Partners"
    return {
        "paid_search": "Advertisement",
        "seo": "Organic Search",
        "email": "Email",
        "direct": "Other",
        "content": "Content Syndication",
    }[channel]


def ts(us: str) -> str:
    return f"make_timestamptz({us})"


def date_of(us: str) -> str:
    return f"cast(make_timestamptz({us}) as date)"


def role_name(persona: str, variant: str) -> str:
    """SQL: the buying role a writer gives a persona (economic buyers and others have
    several names, all mapped by seeds/crm_personas.csv)."""
    return (
        f"(case {persona} when 0 then ['Economic Buyer', 'Decision Maker'][{variant} % 2 + 1] "
        f"when 1 then 'Champion' "
        f"when 2 then ['Technical Buyer', 'Evaluator', 'Influencer', 'Business User']"
        f"[{variant} % 4 + 1] end)"
    )


def stage_name(code: str, created_variant: str) -> str:
    return (
        f"(case {code} when {STAGE_CREATED} then "
        f"case when {created_variant} < 0.7 then 'Prospecting' else 'Qualification' end "
        f"when {STAGE_QUALIFIED} then 'Needs Analysis' "
        f"when {STAGE_PROPOSAL} then 'Proposal/Price Quote' "
        f"when {STAGE_NEGOTIATION} then 'Negotiation/Review' "
        f"when {STAGE_UNMAPPED} then 'Legal Review' "
        f"when {STAGE_WON} then 'Closed Won' when {STAGE_LOST} then 'Closed Lost' end)"
    )


def merged_account_id(ctx: Context, account: str) -> str:
    """SQL: the id a stale reference carries: the merged-away duplicate's, for accounts with
    one (half of their references), else the account's."""
    u = ctx.u(account, name="sf_merged_account")
    return (
        f"case when {u} < 0.02 and {ctx.u(account, 7, name='sf_stale')} < 0.5 "
        f"then {salesforce_id('account', f'{account} + {MERGED}')} "
        f"else {account_id(ctx, account)} end"
    )


def tables(ctx: Context) -> dict[str, str]:
    """Each Salesforce table's rows as a select over crm_common's tables."""
    synced = ts(f"{ctx.end_us + MICROS_PER_HOUR}")
    return {
        "record_type": record_types(synced),
        "campaign": campaigns(synced),
        "account": accounts(ctx, synced),
        "contact": contacts(ctx, synced),
        "contact_history": contact_history(ctx, synced),
        "lead": leads(ctx, synced),
        "campaign_member": campaign_members(ctx, synced),
        "opportunity": opportunities(ctx, synced),
        "opportunity_history": opportunity_history(ctx, synced),
        "opportunity_field_history": opportunity_field_history(ctx, synced),
        "opportunity_contact_role": contact_roles(ctx, synced),
        "event": events(ctx, synced),
        "event_relation": event_relations(ctx, synced),
        "dated_conversion_rate": dated_rates(synced),
        "currency_type": currency_types(synced),
    }


def record_types(synced: str) -> str:
    rows = " union all ".join(
        f"select {salesforce_id('record_type', str(i + 1))} as id, '{name}' as name, "
        f"'{name.replace(' ', '_').replace('-', '_')}' as developer_name, "
        f"'{sobject}' as sobject_type"
        for i, (name, sobject) in enumerate(RECORD_TYPES)
    )
    return (
        f"select *, true as is_active, false as is_deleted, {synced} as _fivetran_synced "
        f"from ({rows})"
    )


def campaigns(synced: str) -> str:
    rows = " union all ".join(
        f"select {salesforce_id('campaign', str(i + 1))} as id, '{c.name}' as name, "
        f"'{campaign_type(c.channel, c.theme)}' as type"
        for i, c in enumerate(CAMPAIGNS)
    )
    return (
        f"select *, 'Completed' as status, make_timestamptz(1704067200000000) as created_date, "
        f"false as is_deleted, {synced} as _fivetran_synced from ({rows})"
    )


def accounts(ctx: Context, synced: str) -> str:
    start = ctx.start_us
    noise = max(2, round(0.01 * ctx.v.accounts))
    u_tier = ctx.u("a.account_number", name="sf_tier")
    tier = (
        f"case when a.is_target_account then "
        f"case when {u_tier} < 0.6 then 'Tier 1' else 'Tier 2' end "
        f"when {u_tier} < 0.3 then 'Tier 3' end"
    )
    blank_country = f"{ctx.u('a.account_number', name='sf_country_code_only')} < 0.1"
    return f"""
        with versions as ({account_versions(ctx)})
        select
            {account_id(ctx, "a.account_number")} as id,
            'Account ' || a.account_number as name,
            'https://www.' || a.domain || '/' as website,
            case when a.is_current then a.employees else a.employees * 7 + 3 end
                as number_of_employees,
            case when {blank_country} then null
                when a.is_current then a.country_name else 'Atlantis' end as billing_country,
            a.country_code as billing_country_code,
            {tier} as abm_tier__c,
            'Prospect' as type,
            cast(null as varchar) as master_record_id,
            make_timestamptz({start} - 400 * {MICROS_PER_DAY}) as created_date,
            false as is_deleted,
            a.is_current as _fivetran_active,
            make_timestamptz(case when a.is_current and a.has_old then a.changed_us
                else {start} - 400 * {MICROS_PER_DAY} end) as _fivetran_start,
            case when a.is_current then timestamptz '9999-12-31 23:59:59+00'
                else make_timestamptz(a.changed_us - 1) end as _fivetran_end,
            {synced} as _fivetran_synced
        from versions as a
        union all
        -- merged-away duplicates of 2% of accounts
        select
            {salesforce_id("account", f"a.account_number + {MERGED}")},
            'Account ' || a.account_number || ' (duplicate)',
            'https://www.' || a.domain || '/',
            a.employees,
            a.country_name,
            a.country_code,
            null,
            'Prospect',
            {account_id(ctx, "a.account_number")},
            make_timestamptz({start} - 200 * {MICROS_PER_DAY}),
            true,
            true,
            make_timestamptz({start} - 200 * {MICROS_PER_DAY}),
            timestamptz '9999-12-31 23:59:59+00',
            {synced}
        from crm_accounts as a
        where {ctx.u("a.account_number", name="sf_merged_account")} < 0.02
        union all
        -- accounts outside the business: a country no seed maps, or no employee count
        select
            {salesforce_id("account", f"n.i + {NOISE}")},
            'Unmapped ' || n.i,
            'https://noise' || n.i || '.example.org',
            case when n.i % 2 = 1 then 250 end,
            case when n.i % 2 = 1 then 'Atlantis' else 'Germany' end,
            null,
            null,
            'Prospect',
            null,
            make_timestamptz({start}),
            false,
            true,
            make_timestamptz({start}),
            timestamptz '9999-12-31 23:59:59+00',
            {synced}
        from range({noise}) as n(i)
    """


def contacts(ctx: Context, synced: str) -> str:
    role = role_name("p.persona_code", "p.role_variant")
    return f"""
        select
            {contact_id(ctx, "p.person")} as id,
            {account_id(ctx, "p.account_number")} as account_id,
            {email_sql("p.person", "p.account_number")} as email,
            'Person' as first_name,
            'P' || p.person as last_name,
            'Web' as lead_source,
            {role} as buying_role__c,
            cast(null as varchar) as master_record_id,
            make_timestamptz(p.first_seen_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_people as p
        union all
        -- merged-away duplicates of 2% of contacts
        select
            {salesforce_id("contact", f"p.person + {MERGED}")},
            {account_id(ctx, "p.account_number")},
            {email_sql("p.person", "p.account_number")},
            'Person',
            'P' || p.person,
            'Web',
            null,
            {contact_id(ctx, "p.person")},
            make_timestamptz(p.first_seen_us - {MICROS_PER_DAY}),
            true,
            {synced}
        from crm_people as p
        where p.draw < 0.02
    """


def contact_history(ctx: Context, synced: str) -> str:
    return f"""
        select
            {salesforce_id("contact_history", "c.change_number")} as id,
            {contact_id(ctx, "c.person")} as contact_id,
            'Buying_Role__c' as field,
            {role_name("c.previous_persona", "c.previous_variant")} as old_value,
            {role_name("c.persona_code", "c.role_variant")} as new_value,
            make_timestamptz(c.changed_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_role_changes as c
    """


def leads(ctx: Context, synced: str) -> str:
    lead_sources = "[" + ", ".join(f"'{LEAD_SOURCES[c]}'" for c in CHANNELS) + "]"
    converted_contact = (
        f"case when p.draw < 0.02 then {salesforce_id('contact', f'j.person + {MERGED}')} "
        f"else {contact_id(ctx, 'j.person')} end"
    )
    noise = max(3, round(0.005 * ctx.scalar("select count(*) from crm_journeys")))
    accounts = ctx.v.accounts
    noise_person = f"(1 + n.i * 7919 % {accounts}) * 20 + 19"
    columns = (
        "id, email, company, lead_source, record_type_id, status, is_converted, "
        "converted_contact_id, converted_account_id, converted_opportunity_id, converted_date, "
        "master_record_id, created_date, is_deleted, _fivetran_deleted, _fivetran_synced"
    )
    journey_leads = f"""
        select
            {salesforce_id("lead", "j.jid")} as id,
            {email_sql("j.person", "j.account_number")} as email,
            'Account ' || j.account_number as company,
            {lead_sources}[j.channel_code + 1] as lead_source,
            {salesforce_id("record_type", "j.motion_code + 1")} as record_type_id,
            case when j.converted_us is not null then 'Closed - Converted'
                else 'Open - Not Contacted' end as status,
            j.converted_us is not null as is_converted,
            case when j.converted_us is not null then {converted_contact} end
                as converted_contact_id,
            case when j.converted_us is not null then {merged_account_id(ctx, "j.account_number")}
                end as converted_account_id,
            {opportunity_id(ctx, "j.converted_opportunity_number")} as converted_opportunity_id,
            {date_of("j.converted_us")} as converted_date,
            cast(null as varchar) as master_record_id,
            make_timestamptz(j.requested_us) as created_date,
            false as is_deleted,
            false as _fivetran_deleted,
            {synced} as _fivetran_synced,
            {ctx.u("j.jid", name="sf_lead_draw")} as draw,
            j.jid,
            j.person,
            j.account_number,
            j.requested_us
        from crm_journeys as j
        left join crm_people as p on j.person = p.person
    """
    return f"""
        with journey_leads as ({journey_leads})
        select {columns} from journey_leads
        union all
        -- leads hard-deleted at the source (1%) and merged into another (1%)
        select
            {salesforce_id("lead", f"l.jid + {DELETED}")}, l.email, l.company, l.lead_source,
            l.record_type_id, 'Open - Not Contacted', false, null, null, null, null, null,
            make_timestamptz(l.requested_us - {MICROS_PER_HOUR}), false, true, {synced}
        from journey_leads as l
        where l.draw < 0.01
        union all
        select
            {salesforce_id("lead", f"l.jid + {MERGED}")}, l.email, l.company, l.lead_source,
            l.record_type_id, 'Open - Not Contacted', false, null, null, null, null, l.id,
            make_timestamptz(l.requested_us - 2 * {MICROS_PER_HOUR}), true, false, {synced}
        from journey_leads as l
        where l.draw >= 0.01 and l.draw < 0.02
        union all
        -- leads from a podcast (a lead source no seed maps) and from a purchased list
        select
            {salesforce_id("lead", f"n.i + {NOISE}")},
            {email_sql(noise_person, f"({noise_person}) // 20")},
            'Account ' || ({noise_person}) // 20,
            case when n.i % 2 = 0 then 'Podcast' else 'Purchased List' end,
            null, 'Open - Not Contacted', false, null, null, null, null, null,
            make_timestamptz(
                {ctx.start_us} + n.i * 7 * {MICROS_PER_DAY} % ({ctx.end_us - ctx.start_us})
            ),
            false, false, {synced}
        from range({noise * 2}) as n(i)
    """


def campaign_members(ctx: Context, synced: str) -> str:
    converted = f"case when j.converted_us is not null then {contact_id(ctx, 'j.person')} end"
    return f"""
        select
            {salesforce_id("campaign_member", "r.response_key")} as id,
            {salesforce_id("campaign", "r.campaign_code + 1")} as campaign_id,
            case when r.is_journey_start then {salesforce_id("lead", "r.jid")} end as lead_id,
            case when r.is_journey_start then {converted}
                else {contact_id(ctx, "r.person")} end as contact_id,
            'Responded' as status,
            true as has_responded,
            {date_of("r.responded_us")} as first_responded_date,
            make_timestamptz(r.responded_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_responses as r
        left join crm_journeys as j on r.jid = j.jid
        union all
        -- sent but never responded (not a touch)
        select
            {salesforce_id("campaign_member", f"j.jid + {NOISE}")},
            {salesforce_id("campaign", f"(j.campaign_code + 1) % {len(CAMPAIGNS)} + 1")},
            {salesforce_id("lead", "j.jid")},
            null,
            'Sent',
            false,
            null,
            make_timestamptz(j.start_us - {MICROS_PER_DAY}),
            false,
            {synced}
        from crm_journeys as j
        where {ctx.u("j.jid", name="sf_sent")} < 0.05
    """


def opportunities(ctx: Context, synced: str) -> str:
    lead_sources = "[" + ", ".join(f"'{LEAD_SOURCES[c]}'" for c in CHANNELS) + "]"
    record_type = (
        f"case when d.deal_kind <> {DEAL_NEW} then 8 when d.motion_code = 2 then 6 "
        f"when d.motion_code = 3 then 7 else 5 end"
    )
    opportunity_type = (
        f"case d.deal_kind when {DEAL_EXPANSION} then 'Existing Customer - Upgrade' "
        f"when {DEAL_RENEWAL} then 'Renewal' "
        f"else case when d.draw < 0.8 then 'New Customer' end end"
    )
    close_day = "d.close_day"
    month = f"month(cast(make_timestamptz({close_day} * {MICROS_PER_DAY}) as date))"
    year = f"year(cast(make_timestamptz({close_day} * {MICROS_PER_DAY}) as date))"
    noise = max(2, round(0.002 * ctx.v.accounts))
    columns = (
        "id, account_id, contact_id, campaign_id, record_type_id, type, lead_source, "
        "stage_name, amount, currency_iso_code, close_date, is_closed, is_won, fiscal_year, "
        "fiscal_quarter, created_date, is_deleted, _fivetran_synced"
    )
    return f"""
        with deals as (
            select
                {opportunity_id(ctx, "d.deal_number")} as id,
                {account_id(ctx, "d.account_number")} as account_id,
                case when d.person is not null and not (d.draw >= 0.5 and d.draw < 0.8)
                    then {contact_id(ctx, "d.person")} end as contact_id,
                {salesforce_id("campaign", "d.campaign_code + 1")} as campaign_id,
                {salesforce_id("record_type", record_type)} as record_type_id,
                {opportunity_type} as type,
                {lead_sources}[d.channel_code + 1] as lead_source,
                {stage_name("s.stage_code", "d.draw")} as stage_name,
                s.amount,
                case when d.currency = 'USD' and d.draw < 0.5 then null else d.currency end
                    as currency_iso_code,
                cast(make_timestamptz({close_day} * {MICROS_PER_DAY}) as date) as close_date,
                d.closed_us is not null as is_closed,
                coalesce(d.is_won, false) as is_won,
                {year} + case when {month} >= 2 then 1 else 0 end as fiscal_year,
                ({month} + 10) % 12 // 3 + 1 as fiscal_quarter,
                make_timestamptz(d.created_us) as created_date,
                false as is_deleted,
                {synced} as _fivetran_synced,
                d.deal_number,
                d.draw,
                d.created_us
            from crm_deals as d
            inner join ({LAST_STAGES}) as s on d.deal_number = s.deal_number
        )
        select {columns} from deals
        union all
        -- deleted (1%): a copy entered by mistake
        select
            {opportunity_id(ctx, f"deal_number + {DELETED}")}, account_id, contact_id,
            campaign_id, record_type_id, type, lead_source, 'Prospecting', amount,
            currency_iso_code, close_date, false, false, fiscal_year, fiscal_quarter,
            created_date, true, _fivetran_synced
        from deals
        where draw >= 0.9 and draw < 0.91
        union all
        -- opportunities of a type no seed maps
        select
            {opportunity_id(ctx, f"n.i + {NOISE}")},
            {account_id(ctx, f"1 + n.i * 104729 % {ctx.v.accounts}")},
            null, null, {salesforce_id("record_type", "5")}, 'Partner Resale', 'Partner',
            'Prospecting', 10000.0, null,
            cast(make_timestamptz({ctx.end_us} + 30 * {MICROS_PER_DAY}) as date), false, false,
            null, null,
            make_timestamptz({ctx.start_us} + (n.i + 1) * 17 * {MICROS_PER_DAY}), false, {synced}
        from range({noise}) as n(i)
    """


def opportunity_history(ctx: Context, synced: str) -> str:
    return f"""
        select
            {salesforce_id("opportunity_history", "s.stage_row_number")} as id,
            {opportunity_id(ctx, "s.deal_number")} as opportunity_id,
            {stage_name("s.stage_code", "d.draw")} as stage_name,
            s.amount,
            cast(make_timestamptz(d.close_day * {MICROS_PER_DAY}) as date) as close_date,
            make_timestamptz(s.entered_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_stage_rows as s
        inner join crm_deals as d on s.deal_number = d.deal_number
    """


def opportunity_field_history(ctx: Context, synced: str) -> str:
    return f"""
        select
            {salesforce_id("opportunity_field_history", "s.stage_row_number")} as id,
            {opportunity_id(ctx, "s.deal_number")} as opportunity_id,
            'StageName' as field,
            {stage_name("s.previous_stage_code", "d.draw")} as old_value,
            {stage_name("s.stage_code", "d.draw")} as new_value,
            make_timestamptz(s.entered_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_stage_rows as s
        inner join crm_deals as d on s.deal_number = d.deal_number
        where s.previous_stage_code is not null and s.previous_stage_code <> s.stage_code
    """


def contact_roles(ctx: Context, synced: str) -> str:
    return f"""
        select
            {salesforce_id("opportunity_contact_role", "d.deal_number")} as id,
            {opportunity_id(ctx, "d.deal_number")} as opportunity_id,
            {contact_id(ctx, "d.person")} as contact_id,
            'Decision Maker' as role,
            true as is_primary,
            make_timestamptz(d.created_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_deals as d
        where d.person is not null and d.draw >= 0.5 and d.draw < 0.8
    """


def events(ctx: Context, synced: str) -> str:
    outcome = (
        f"case m.outcome_code when {OUTCOME_HELD} then "
        f"case when {ctx.u('m.jid', name='sf_outcome')} < 0.5 then 'Held' else 'Completed' end "
        f"when {OUTCOME_NO_SHOW} then 'No Show' else 'Scheduled' end"
    )
    columns = (
        "id, who_id, what_id, account_id, type, subject, start_date_time, end_date_time, "
        "meeting_outcome__c, created_date, is_deleted, _fivetran_synced"
    )
    return f"""
        with meetings as (
            select
                {salesforce_id("event", "m.jid")} as id,
                {contact_id(ctx, "m.person")} as who_id,
                {account_id(ctx, "m.account_number")} as what_id,
                {merged_account_id(ctx, "m.account_number")} as account_id,
                'Meeting' as type,
                'Discovery meeting' as subject,
                make_timestamptz(m.meeting_us) as start_date_time,
                make_timestamptz(m.meeting_us + 30 * 60000000) as end_date_time,
                {outcome} as meeting_outcome__c,
                make_timestamptz(m.scheduled_us) as created_date,
                false as is_deleted,
                {synced} as _fivetran_synced,
                m.jid
            from crm_meetings as m
        )
        select {columns} from meetings
        union all
        -- calls before 5% of meetings, and deleted copies of 1%
        select
            {salesforce_id("event", f"jid + {NOISE}")}, who_id, what_id, account_id, 'Call',
            'Intro call', created_date - interval 1 day, created_date - interval 1 day,
            null, created_date - interval 1 day, false, _fivetran_synced
        from meetings
        where {ctx.u("jid", name="sf_call")} < 0.05
        union all
        select
            {salesforce_id("event", f"jid + {DELETED}")}, who_id, what_id, account_id, type,
            subject, start_date_time, end_date_time, meeting_outcome__c, created_date, true,
            _fivetran_synced
        from meetings
        where {ctx.u("jid", name="sf_deleted_event")} < 0.01
    """


def event_relations(ctx: Context, synced: str) -> str:
    return f"""
        select
            {salesforce_id("event_relation", "row_number() over (order by p.jid, p.person)")}
                as id,
            {salesforce_id("event", "p.jid")} as event_id,
            {contact_id(ctx, "p.person")} as relation_id,
            true as is_invitee,
            case
                when p.outcome_code = {OUTCOME_HELD} and p.attended then 'Accepted'
                when p.outcome_code = {OUTCOME_HELD} then 'Declined'
                else 'New'
            end as status,
            make_timestamptz(p.scheduled_us) as created_date,
            false as is_deleted,
            {synced} as _fivetran_synced
        from crm_meeting_people as p
    """


def dated_rates(synced: str) -> str:
    rows = []
    for i, (code, start, rate) in enumerate(RATES):
        following = [s for c, s, _ in RATES if c == code and s > start]
        next_start = f"date '{min(following)}'" if following else "cast(null as date)"
        rows.append(
            f"select {salesforce_id('dated_conversion_rate', str(i + 1))} as id, "
            f"'{code}' as iso_code, date '{start}' as start_date, {next_start} as next_start_date, "
            f"{rate!r} as conversion_rate"
        )
    return (
        f"select *, false as is_deleted, {synced} as _fivetran_synced "
        f"from ({' union all '.join(rows)})"
    )


def currency_types(synced: str) -> str:
    first: dict[str, float] = {}
    for code, _start, rate in sorted(RATES, key=lambda r: r[1]):
        first.setdefault(code, rate)
    rows = [("USD", 1.0, True)] + [(code, rate, False) for code, rate in first.items()]
    selects = " union all ".join(
        f"select {salesforce_id('currency_type', str(i + 1))} as id, '{code}' as iso_code, "
        f"{rate!r} as conversion_rate, {str(corporate).lower()} as is_corporate"
        for i, (code, rate, corporate) in enumerate(rows)
    )
    return f"select *, false as is_deleted, {synced} as _fivetran_synced from ({selects})"


def planted(ctx: Context, folder: Path) -> dict[str, int]:
    """What the connector must quarantine or leave out, counted in the written files as the
    connector counts it (rows of salesforce__rejected by reason; filtered records)."""

    def count(table: str, where: str) -> int:
        files = sql_literal(str(folder / table / "*.parquet"))
        return int(ctx.scalar(f"select count(*) from read_parquet({files}) where {where}"))

    return {
        "unmapped_stage": count("opportunity_history", "stage_name = 'Legal Review'"),
        "unmapped_lead_source": count("lead", "lead_source = 'Podcast'"),
        "excluded_by_motion_mapping": count("lead", "lead_source = 'Purchased List'"),
        "unmapped_opportunity_type": count("opportunity", "type = 'Partner Resale'"),
        "unmapped_country": count("account", "billing_country = 'Atlantis' and _fivetran_active"),
        "unmapped_employee_count": count("account", "number_of_employees is null"),
        # created, qualified and won (a deal won straight from its first stage)
        "excluded_expansion": 3
        * count("opportunity", "type = 'Existing Customer - Upgrade' and not is_deleted"),
        "excluded_renewal": 3 * count("opportunity", "type = 'Renewal' and not is_deleted"),
        "deleted_records": sum(count(table, "is_deleted") for table in ("opportunity", "event"))
        + count("lead", "_fivetran_deleted"),
        "merged_records": sum(
            count(table, "master_record_id is not null") for table in ("account", "contact", "lead")
        ),
        "history_mode_versions": count("account", "not _fivetran_active"),
        "non_usd_opportunities": count(
            "opportunity", "coalesce(currency_iso_code, 'USD') <> 'USD'"
        ),
    }


__all__ = ["planted", "tables"]

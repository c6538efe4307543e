"""The business as HubSpot holds it (--crm hubspot): the tables a managed connector
(Fivetran) lands, from crm_common's tables.

Every person is a contact (HubSpot creates one at the first form submission). A journey is a
submission of the form of its motion (Demo request, Target account response, Partner deal
registration, Product sign-up) whose page URL carries the campaign's UTM parameters (no
utm_medium for direct traffic: the contact's original source says it); later touches are
submissions of a Content download form. Meetings are MEETING engagements (booked when created,
starting when held, hs_meeting_outcome COMPLETED, NO_SHOW or SCHEDULED) associated with the
contacts who came (with every invitee while they are still to come, or when nobody came);
buying roles are hs_buying_role with its property history; deals sit in a pipeline by motion
(Sales, Partner, Self-Serve) with their stage history (deal_stage), amount history
(deal_property_history), company and contact; amounts in the company's currency (the seed's
rates: HubSpot lands none). Submission times land as epoch milliseconds, meeting start times
as text.

Planted: companies in history mode (3%, an older inactive version), merged contacts (the
merged-away contact deleted, its earlier submissions still under its id, the merge in
contact_merge_audit), merged and deleted deals, deleted contacts, a stage no seed maps (Legal
Review) before 5% of closes, demo requests from a UTM medium no seed maps (podcast), deals of
a type no seed maps, companies with a country or an employee count no seed maps, billing's
expansions and renewals as deals of another type, canceled meetings.
"""

from __future__ import annotations

from pathlib import Path

from kpitree.generator.context import Context, sql_literal
from kpitree.generator.crm_common import (
    DEAL_EXPANSION,
    DEAL_RENEWAL,
    LAST_STAGES,
    OUTCOME_HELD,
    OUTCOME_NO_SHOW,
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
from kpitree.generator.plan import CAMPAIGNS, CHANNELS, MICROS_PER_DAY, MICROS_PER_HOUR
from kpitree.generator.tables import hubspot_id

# Offsets that keep the ids of planted records apart from the business's.
MERGED = 400_000_000
NOISE = 700_000_000
DELETED = 800_000_000
FORMS: tuple[str, ...] = (
    "Demo request",
    "Target account response",
    "Partner deal registration",
    "Product sign-up",
    "Content download",
)
CONTENT_FORM = 4
PIPELINES: tuple[str, ...] = ("Sales Pipeline", "Partner Pipeline", "Self-Serve Pipeline")
# Stage labels by stage code, and the default pipeline's internal stage ids.
STAGES: dict[int, tuple[str, str]] = {
    STAGE_CREATED: ("appointmentscheduled", "Appointment Scheduled"),
    STAGE_QUALIFIED: ("qualifiedtobuy", "Qualified To Buy"),
    STAGE_PROPOSAL: ("presentationscheduled", "Presentation Scheduled"),
    STAGE_NEGOTIATION: ("contractsent", "Contract Sent"),
    STAGE_UNMAPPED: ("legalreview", "Legal Review"),
    STAGE_WON: ("closedwon", "Closed Won"),
    STAGE_LOST: ("closedlost", "Closed Lost"),
}
UTM_MEDIUMS: dict[str, str | None] = {
    "paid_search": "cpc",
    "seo": "organic",
    "email": "email",
    "events": "event",
    "partner": "partner",
    "direct": None,
    "content": "content",
}
ANALYTICS_SOURCES: dict[str, str] = {
    "paid_search": "PAID_SEARCH",
    "seo": "ORGANIC_SEARCH",
    "email": "EMAIL_MARKETING",
    "events": "OTHER_CAMPAIGNS",
    "partner": "REFERRALS",
    "direct": "DIRECT_TRAFFIC",
    "content": "SOCIAL_MEDIA",
}


def ms(us: str) -> str:
    """SQL: epoch milliseconds of a microsecond time (HubSpot's API times)."""
    return f"(({us}) // 1000)"


def role_name(persona: str, variant: str) -> str:
    """SQL: the hs_buying_role a persona lands as (economic buyers and others have several)."""
    return (
        f"(case {persona} when 0 then ['BUDGET_HOLDER', 'DECISION_MAKER'][{variant} % 2 + 1] "
        f"when 1 then 'CHAMPION' "
        f"when 2 then ['END_USER', 'INFLUENCER', 'BLOCKER', 'OTHER'][{variant} % 4 + 1] end)"
    )


def page_url(campaign: str, channel: str) -> str:
    """SQL: the page a form was submitted on, with the campaign's UTM parameters."""
    mediums = (
        "["
        + ", ".join("null" if UTM_MEDIUMS[c] is None else f"'{UTM_MEDIUMS[c]}'" for c in CHANNELS)
        + "]"
    )
    names = "[" + ", ".join(f"'{c.name}'" for c in CAMPAIGNS) + "]"
    medium = f"{mediums}[{channel} + 1]"
    return (
        f"'https://www.example.com/demo?utm_source=kpi' "
        f"|| coalesce('&utm_medium=' || {medium}, '') "
        f"|| '&utm_campaign=' || {names}[{campaign} + 1]"
    )


def channel_of_campaign(campaign: str) -> str:
    channels = "[" + ", ".join(str(CHANNELS.index(c.channel)) for c in CAMPAIGNS) + "]"
    return f"{channels}[{campaign} + 1]"


def merged_contact_id(ctx: Context, person: str) -> str:
    """SQL: the id a person's earlier submission carries: the merged-away duplicate's for the
    2% of people who have one, else the person's."""
    return (
        f"case when {ctx.u(person, name='hs_merged_contact')} < 0.02 "
        f"then {hubspot_id('contact', f'{person} + {MERGED}')} "
        f"else {hubspot_id('contact', person)} end"
    )


def tables(ctx: Context) -> dict[str, str]:
    """Each HubSpot table's rows as a select over crm_common's tables."""
    synced = f"make_timestamptz({ctx.end_us + MICROS_PER_HOUR})"
    return {
        "company": companies(ctx, synced),
        "contact": contacts(ctx, synced),
        "contact_merge_audit": merge_audits(ctx, synced),
        "contact_property_history": contact_history(ctx, synced),
        "form": forms(synced),
        "contact_form_submission": submissions(ctx, synced),
        "deal_pipeline": pipelines(synced),
        "deal_pipeline_stage": pipeline_stages(synced),
        "deal": deals(ctx, synced),
        "deal_stage": deal_stages(ctx, synced),
        "deal_property_history": deal_history(ctx, synced),
        "deal_company": deal_companies(ctx, synced),
        "deal_contact": deal_contacts(ctx, synced),
        "merged_deal": merged_deals(ctx, synced),
        "engagement": engagements(ctx, synced),
        "engagement_meeting": engagement_meetings(ctx, synced),
        "engagement_contact": engagement_contacts(ctx, synced),
        "engagement_company": engagement_companies(ctx, synced),
        "engagement_deal": engagement_deals(ctx, synced),
    }


def companies(ctx: Context, synced: str) -> str:
    start = ctx.start_us
    noise = max(2, round(0.01 * ctx.v.accounts))
    return f"""
        with versions as ({account_versions(ctx)})
        select
            {hubspot_id("account", "a.account_number")} as id,
            'Company ' || a.account_number as property_name,
            case when a.draw < 0.5 then a.domain end as property_domain,
            'https://' || a.domain as property_website,
            case when a.is_current then a.employees else a.employees * 7 + 3 end
                as property_numberofemployees,
            case when a.is_current then
                case when a.draw >= 0.9 then a.country_code else a.country_name end
                else 'Atlantis' end as property_country,
            case when a.is_target_account then 'true'
                when a.draw >= 0.6 then 'false' end as property_hs_is_target_account,
            make_timestamptz({start} - 400 * {MICROS_PER_DAY}) as property_createdate,
            false as is_deleted,
            a.is_current as _fivetran_active,
            make_timestamptz(case when a.is_current and a.has_old then a.changed_us
                else {start} - 400 * {MICROS_PER_DAY} end) as _fivetran_start,
            case when a.is_current then timestamptz '9999-12-31 23:59:59+00'
                else make_timestamptz(a.changed_us - 1) end as _fivetran_end,
            {synced} as _fivetran_synced
        from versions as a
        union all
        select
            {hubspot_id("account", f"n.i + {NOISE}")}, 'Unmapped ' || n.i,
            'noise' || n.i || '.example.org', null, case when n.i % 2 = 1 then 250 end,
            case when n.i % 2 = 1 then 'Atlantis' else 'Germany' end, null,
            make_timestamptz({start}), false, true, make_timestamptz({start}),
            timestamptz '9999-12-31 23:59:59+00', {synced}
        from range({noise}) as n(i)
    """


def journey_people(ctx: Context) -> str:
    """Every person HubSpot knows: the journeys' people, and every person crm_people holds."""
    return """
        select person, min(seen_us) as first_seen_us
        from (
            select person, requested_us as seen_us from crm_journeys
            union all
            select person, first_seen_us from crm_people
        )
        group by 1
    """


def contacts(ctx: Context, synced: str) -> str:
    sources = "[" + ", ".join(f"'{ANALYTICS_SOURCES[c]}'" for c in CHANNELS) + "]"
    return f"""
        with people as ({journey_people(ctx)}),
        first_journeys as (
            select person, channel_code
            from (
                select person, channel_code,
                    row_number() over (partition by person order by requested_us, jid) as n
                from crm_journeys
            )
            where n = 1
        )
        select
            {hubspot_id("contact", "p.person")} as id,
            {email_sql("p.person", "p.person // 20")} as property_email,
            -- HubSpot associates a contact with its company when sales works it: the others
            -- are found by their email's domain
            case when c.person is not null then {hubspot_id("account", "p.person // 20")} end
                as property_associatedcompanyid,
            {role_name("c.persona_code", "c.role_variant")} as property_hs_buying_role,
            coalesce({sources}[f.channel_code + 1], 'OFFLINE') as property_hs_analytics_source,
            make_timestamptz(p.first_seen_us) as property_createdate,
            false as _fivetran_deleted,
            {synced} as _fivetran_synced
        from people as p
        left join crm_people as c on p.person = c.person
        left join first_journeys as f on p.person = f.person
        union all
        -- merged away into their person (2%), and contacts deleted for good
        select
            {hubspot_id("contact", f"p.person + {MERGED}")},
            {email_sql("p.person", "p.person // 20")}, null, null, null,
            make_timestamptz(p.first_seen_us - {MICROS_PER_DAY}), true, {synced}
        from people as p
        where {ctx.u("p.person", name="hs_merged_contact")} < 0.02
        union all
        select
            {hubspot_id("contact", f"p.person + {DELETED}")},
            {email_sql("p.person", "p.person // 20")}, null, null, null,
            make_timestamptz(p.first_seen_us), true, {synced}
        from people as p
        where {ctx.u("p.person", name="hs_deleted_contact")} < 0.01
        union all
        -- the people behind demo requests from a podcast (a UTM medium no seed maps)
        select
            {hubspot_id("contact", f"n.i + {NOISE}")},
            'podcast' || n.i || '@noise' || n.i || '.example.org', null, null, null,
            make_timestamptz({ctx.start_us}), false, {synced}
        from range({noise_count(ctx)}) as n(i)
    """


def noise_count(ctx: Context) -> int:
    return max(3, round(0.005 * int(ctx.scalar("select count(*) from crm_journeys"))))


def merge_audits(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("contact", "p.person")} as contact_id,
            {hubspot_id("contact", "p.person")} as canonical_vid,
            {hubspot_id("contact", f"p.person + {MERGED}")} as vid_to_merge,
            make_timestamptz(p.first_seen_us + {MICROS_PER_HOUR}) as timestamp,
            {synced} as _fivetran_synced
        from ({journey_people(ctx)}) as p
        where {ctx.u("p.person", name="hs_merged_contact")} < 0.02
    """


def contact_history(ctx: Context, synced: str) -> str:
    """hs_buying_role's history: its first value when the person's first meeting was booked,
    then every change."""
    return f"""
        with firsts as (
            select person, scheduled_us, persona_code, role_variant
            from (
                select *, row_number() over (partition by person order by scheduled_us, jid) as n
                from crm_meeting_people
            )
            where n = 1
        )
        select
            {hubspot_id("contact", "person")} as contact_id,
            'hs_buying_role' as name,
            {role_name("persona_code", "role_variant")} as value,
            make_timestamptz(scheduled_us) as timestamp,
            'CRM_UI' as source,
            {synced} as _fivetran_synced
        from firsts
        union all
        select
            {hubspot_id("contact", "person")},
            'hs_buying_role',
            {role_name("persona_code", "role_variant")},
            make_timestamptz(changed_us),
            'CRM_UI',
            {synced}
        from crm_role_changes
    """


def forms(synced: str) -> str:
    rows = " union all ".join(
        f"select 'f{i:07d}-0000-4000-8000-000000000000' as guid, '{name}' as name, "
        f"'HUBSPOT' as form_type"
        for i, name in enumerate(FORMS)
    )
    return f"select *, false as _fivetran_deleted, {synced} as _fivetran_synced from ({rows})"


def form_guid(code: str) -> str:
    return f"'f' || lpad(({code})::varchar, 7, '0') || '-0000-4000-8000-000000000000'"


def submissions(ctx: Context, synced: str) -> str:
    """Journeys (their motion's form, at the request), later touches (the content form), and
    podcast demo requests."""
    return f"""
        select
            {merged_contact_id(ctx, "j.person")} as contact_id,
            {form_guid("j.motion_code")} as form_id,
            {ms("j.requested_us")} as timestamp,
            {page_url("j.campaign_code", "j.channel_code")} as page_url,
            'Form' as title,
            j.jid as conversion_id,
            {synced} as _fivetran_synced
        from crm_journeys as j
        union all
        select
            {hubspot_id("contact", "r.person")},
            {form_guid(str(CONTENT_FORM))},
            {ms("r.responded_us")},
            {page_url("r.campaign_code", channel_of_campaign("r.campaign_code"))},
            'Content',
            r.response_key,
            {synced}
        from crm_responses as r
        where not r.is_journey_start
        union all
        select
            {hubspot_id("contact", f"n.i + {NOISE}")},
            {form_guid("0")},
            {ms(f"{ctx.start_us} + n.i * 7 * {MICROS_PER_DAY} % {ctx.end_us - ctx.start_us}")},
            'https://www.example.com/demo?utm_source=podcast&utm_medium=podcast',
            'Form',
            {NOISE} + n.i,
            {synced}
        from range({noise_count(ctx)}) as n(i)
    """


def pipelines(synced: str) -> str:
    rows = " union all ".join(
        f"select '{'default' if i == 0 else str(1000 + i)}' as pipeline_id, '{label}' as label"
        for i, label in enumerate(PIPELINES)
    )
    return f"select *, false as _fivetran_deleted, {synced} as _fivetran_synced from ({rows})"


def stage_id(pipeline: str, code: str) -> str:
    """SQL: a stage's internal id: the default pipeline's names, numbers in the others."""
    names = " ".join(f"when {c} then '{i}'" for c, (i, _) in STAGES.items())
    return (
        f"case when {pipeline} = 0 then (case {code} {names} end) "
        f"else ({pipeline} * 100 + {code})::varchar end"
    )


def pipeline_stages(synced: str) -> str:
    rows = []
    for p, _ in enumerate(PIPELINES):
        for code, (_, label) in STAGES.items():
            rows.append(
                f"select {stage_id(str(p), str(code))} as stage_id, "
                f"'{'default' if p == 0 else str(1000 + p)}' as pipeline_id, '{label}' as label, "
                f"{code} as display_order"
            )
    return (
        f"select *, false as _fivetran_deleted, {synced} as _fivetran_synced "
        f"from ({' union all '.join(rows)})"
    )


def pipeline_of(deal: str) -> str:
    return (
        f"(case when {deal}.motion_code = 2 then 1 when {deal}.motion_code = 3 then 2 else 0 end)"
    )


def deals(ctx: Context, synced: str) -> str:
    deal_type = (
        f"case d.deal_kind when {DEAL_EXPANSION} then 'existingbusiness' "
        f"when {DEAL_RENEWAL} then 'renewal' "
        f"else case when d.draw < 0.8 then 'newbusiness' end end"
    )
    pipeline = pipeline_of("d")
    columns = (
        "deal_id, deal_pipeline_id, deal_pipeline_stage_id, property_dealname, property_amount, "
        "property_dealtype, property_createdate, property_closedate, "
        "property_deal_currency_code, is_deleted, _fivetran_synced"
    )
    noise = max(2, round(0.002 * ctx.v.accounts))
    return f"""
        with rows as (
            select
                {hubspot_id("opportunity", "d.deal_number")} as deal_id,
                case {pipeline} when 0 then 'default' else (1000 + {pipeline})::varchar end
                    as deal_pipeline_id,
                {stage_id(pipeline, "s.stage_code")} as deal_pipeline_stage_id,
                'Deal ' || d.deal_number as property_dealname,
                s.amount as property_amount,
                {deal_type} as property_dealtype,
                make_timestamptz(d.created_us) as property_createdate,
                make_timestamptz(d.close_day * {MICROS_PER_DAY} + 12 * {MICROS_PER_HOUR})
                    as property_closedate,
                case when d.currency = 'USD' and d.draw < 0.5 then null else d.currency end
                    as property_deal_currency_code,
                false as is_deleted,
                {synced} as _fivetran_synced,
                d.deal_number,
                d.draw
            from crm_deals as d
            inner join ({LAST_STAGES}) as s on d.deal_number = s.deal_number
        )
        select {columns} from rows
        union all
        -- deleted (1%), and duplicates merged into their deal (1%)
        select
            {hubspot_id("opportunity", f"deal_number + {DELETED}")}, deal_pipeline_id,
            deal_pipeline_stage_id, property_dealname, property_amount, property_dealtype,
            property_createdate, property_closedate, property_deal_currency_code, true,
            _fivetran_synced
        from rows
        where draw >= 0.9 and draw < 0.91
        union all
        select
            {hubspot_id("opportunity", f"deal_number + {MERGED}")}, deal_pipeline_id,
            deal_pipeline_stage_id, property_dealname, property_amount, property_dealtype,
            property_createdate, property_closedate, property_deal_currency_code, true,
            _fivetran_synced
        from rows
        where draw >= 0.91 and draw < 0.92
        union all
        -- deals of a type no seed maps
        select
            {hubspot_id("opportunity", f"n.i + {NOISE}")}, 'default', 'appointmentscheduled',
            'Resale ' || n.i, 10000.0, 'partner_resale',
            make_timestamptz({ctx.start_us} + (n.i + 1) * 17 * {MICROS_PER_DAY}),
            make_timestamptz({ctx.end_us} + 30 * {MICROS_PER_DAY}), null, false, {synced}
        from range({noise}) as n(i)
    """


def deal_stages(ctx: Context, synced: str) -> str:
    pipeline = pipeline_of("d")
    return f"""
        select
            {hubspot_id("opportunity", "s.deal_number")} as deal_id,
            {stage_id(pipeline, "s.stage_code")} as value,
            make_timestamptz(s.entered_us) as date_entered,
            make_timestamptz(s.entered_us) as _fivetran_start,
            'CRM_UI' as source,
            {synced} as _fivetran_synced
        from crm_stage_rows as s
        inner join crm_deals as d on s.deal_number = d.deal_number
    """


def deal_history(ctx: Context, synced: str) -> str:
    """The amount's history: its value when created and whenever a stage entry changed it,
    as text (HubSpot's property values are strings)."""
    return f"""
        select
            {hubspot_id("opportunity", "deal_number")} as deal_id,
            'amount' as name,
            cast(amount as varchar) as value,
            make_timestamptz(entered_us) as timestamp,
            'CRM_UI' as source,
            {synced} as _fivetran_synced
        from (
            select *, lag(amount) over (
                partition by deal_number order by entered_us, stage_code) as previous_amount
            from crm_stage_rows
        )
        where previous_amount is null or previous_amount <> amount
    """


def deal_companies(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("opportunity", "deal_number")} as deal_id,
            {hubspot_id("account", "account_number")} as company_id,
            {synced} as _fivetran_synced
        from crm_deals
    """


def deal_contacts(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("opportunity", "deal_number")} as deal_id,
            {hubspot_id("contact", "person")} as contact_id,
            {synced} as _fivetran_synced
        from crm_deals
        where person is not null
    """


def merged_deals(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("opportunity", "deal_number")} as deal_id,
            {hubspot_id("opportunity", f"deal_number + {MERGED}")} as merged_deal_id,
            {synced} as _fivetran_synced
        from crm_deals
        where draw >= 0.91 and draw < 0.92
    """


def meeting_rows(ctx: Context) -> str:
    """Meetings, and canceled ones beside 2% of them (not the business's)."""
    return f"""
        select jid, jid as engagement_number, person, account_number, scheduled_us,
            meeting_us, outcome_code, false as canceled
        from crm_meetings
        union all
        select jid, jid + {NOISE}, person, account_number, scheduled_us - {MICROS_PER_DAY},
            meeting_us - {MICROS_PER_DAY}, outcome_code, true
        from crm_meetings
        where {ctx.u("jid", name="hs_canceled")} < 0.02
    """


def engagements(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("engagement", "m.engagement_number")} as id,
            'MEETING' as type,
            make_timestamptz(m.scheduled_us) as created_at,
            make_timestamptz(m.meeting_us) as timestamp,
            true as active,
            {synced} as _fivetran_synced
        from ({meeting_rows(ctx)}) as m
        union all
        -- calls, and a meeting deleted from the timeline (inactive)
        select
            {hubspot_id("engagement", f"m.jid + {DELETED}")},
            case when {ctx.u("m.jid", name="hs_call")} < 0.5 then 'CALL' else 'MEETING' end,
            make_timestamptz(m.scheduled_us - {MICROS_PER_DAY}),
            make_timestamptz(m.scheduled_us - {MICROS_PER_DAY}),
            case when {ctx.u("m.jid", name="hs_call")} < 0.5 then true else false end,
            {synced}
        from crm_meetings as m
        where {ctx.u("m.jid", name="hs_extra_engagement")} < 0.05
    """


def engagement_meetings(ctx: Context, synced: str) -> str:
    outcome = (
        f"case when m.canceled then 'CANCELED' when m.outcome_code = {OUTCOME_HELD} "
        f"then 'COMPLETED' when m.outcome_code = {OUTCOME_NO_SHOW} then 'NO_SHOW' "
        f"else 'SCHEDULED' end"
    )
    return f"""
        select
            {hubspot_id("engagement", "m.engagement_number")} as engagement_id,
            'MEETING' as type,
            {outcome} as property_hs_meeting_outcome,
            strftime(make_timestamptz(m.meeting_us), '%Y-%m-%dT%H:%M:%S.%fZ')
                as property_hs_meeting_start_time,
            make_timestamptz(m.scheduled_us) as property_hs_createdate,
            make_timestamptz(m.meeting_us) as property_hs_timestamp,
            false as _fivetran_deleted,
            {synced} as _fivetran_synced
        from ({meeting_rows(ctx)}) as m
        union all
        select
            {hubspot_id("engagement", f"m.jid + {DELETED}")}, 'MEETING', 'COMPLETED',
            strftime(make_timestamptz(m.scheduled_us), '%Y-%m-%dT%H:%M:%S.%fZ'),
            make_timestamptz(m.scheduled_us - {MICROS_PER_DAY}),
            make_timestamptz(m.scheduled_us), false, {synced}
        from crm_meetings as m
        where {ctx.u("m.jid", name="hs_extra_engagement")} < 0.05
            and {ctx.u("m.jid", name="hs_call")} >= 0.5
    """


def engagement_contacts(ctx: Context, synced: str) -> str:
    """Who is on a meeting: who came, once it is held; every invitee otherwise."""
    return f"""
        select
            {hubspot_id("engagement", "m.engagement_number")} as engagement_id,
            {hubspot_id("contact", "p.person")} as contact_id,
            {synced} as _fivetran_synced
        from ({meeting_rows(ctx)}) as m
        inner join crm_meeting_people as p on m.jid = p.jid
        where m.outcome_code <> {OUTCOME_HELD} or p.attended
    """


def engagement_companies(ctx: Context, synced: str) -> str:
    return f"""
        select
            {hubspot_id("engagement", "m.engagement_number")} as engagement_id,
            {hubspot_id("account", "m.account_number")} as company_id,
            {synced} as _fivetran_synced
        from ({meeting_rows(ctx)}) as m
    """


def engagement_deals(ctx: Context, synced: str) -> str:
    """A meeting is on the deal its journey became (once it exists)."""
    return f"""
        select
            {hubspot_id("engagement", "m.engagement_number")} as engagement_id,
            {hubspot_id("opportunity", "d.deal_number")} as deal_id,
            {synced} as _fivetran_synced
        from ({meeting_rows(ctx)}) as m
        inner join crm_deals as d on m.jid = d.jid
    """


def planted(ctx: Context, folder: Path) -> dict[str, int]:
    """What the connector must quarantine or leave out, counted in the written files as the
    connector counts it (rows of hubspot__rejected by reason; filtered records)."""

    def count(table: str, where: str) -> int:
        files = sql_literal(str(folder / table / "*.parquet"))
        return int(ctx.scalar(f"select count(*) from read_parquet({files}) where {where}"))

    return {
        "unmapped_stage": count("deal_stage", "value like '%legalreview' or value like '%04'"),
        "unmapped_utm_medium": count("contact_form_submission", "page_url like '%=podcast%'"),
        "unmapped_opportunity_type": count("deal", "property_dealtype = 'partner_resale'"),
        "unmapped_country": count("company", "property_country = 'Atlantis' and _fivetran_active"),
        "unmapped_employee_count": count("company", "property_numberofemployees is null"),
        "excluded_expansion": 3
        * count("deal", "property_dealtype = 'existingbusiness' and not is_deleted"),
        "excluded_renewal": 3 * count("deal", "property_dealtype = 'renewal' and not is_deleted"),
        # a canceled meeting is no scheduled meeting either
        "excluded_canceled_meeting": count(
            "engagement_meeting", "property_hs_meeting_outcome = 'CANCELED'"
        ),
        "deleted_records": count("deal", "is_deleted") + count("contact", "_fivetran_deleted"),
        "merged_records": count("contact_merge_audit", "true") + count("merged_deal", "true"),
        "history_mode_versions": count("company", "not _fivetran_active"),
        "non_usd_opportunities": count(
            "deal", "coalesce(property_deal_currency_code, 'USD') <> 'USD' and not is_deleted"
        ),
    }


__all__ = ["planted", "tables"]

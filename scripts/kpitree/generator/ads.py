"""The ad platforms' tables (--ads): the demo's paid-search and paid-content spend as Google Ads,
LinkedIn Ads and Meta Ads land it through a managed connector (Fivetran's table and column
names), one folder of parquet per table under DIR/<platform>/.

Each platform campaign carries a share of one contract campaign's daily spend (ad_spend.py's
valid rows, in whole cents: the shares are split in cents, so they add up to the contract's
spend exactly), in its account's currency at the day's rate of crm_common.RATES (the rates of
seeds/crm_currency_rates.csv): Google in micros (cost_micros), split over two network / device
rows; LinkedIn as text (every column, the timestamps too); Meta per ad (two ads a campaign),
without the columns it does not sync. Planted for the connector (docs/raw_data.md, "The ad
platforms' tables"): Google stats rows deleted at the source (`_fivetran_deleted`), a Google
campaign no seed maps (unmapped_campaign) and one mapped to motion `none` (recruiting),
history rows (an older name of a campaign, an ad, an account). The campaigns the platforms
carry are seeds/ads_campaigns.csv's; every other campaign's spend stays in the contract's
ad_spend only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpitree.generator.context import Context, sql_literal
from kpitree.generator.crm_common import rate_sql
from kpitree.generator.funnel_events import CODE
from kpitree.generator.plan import CAMPAIGNS

PLATFORMS: tuple[str, ...] = ("google_ads", "linkedin_ads", "facebook_ads")


@dataclass(frozen=True)
class PlatformCampaign:
    """A platform campaign: the contract campaign whose spend it carries (its share in
    tenths), its platform, id, name, account and the account's currency."""

    contract_campaign: str
    tenths: int
    platform: str
    campaign_id: str
    name: str
    account_id: str
    currency: str


PLATFORM_CAMPAIGNS: tuple[PlatformCampaign, ...] = (
    PlatformCampaign("inbound_paid_search_brand", 7, "google_ads", "1001",
                     "Brand | Search | US", "5550001", "USD"),
    PlatformCampaign("inbound_paid_search_brand", 3, "google_ads", "1002",
                     "Brand | Search | EMEA", "5550002", "EUR"),
    PlatformCampaign("inbound_paid_search_nonbrand", 10, "google_ads", "1003",
                     "Non-brand | Search | US", "5550001", "USD"),
    PlatformCampaign("inbound_paid_search_competitor", 10, "google_ads", "1004",
                     "Competitor | Search | US", "5550001", "USD"),
    PlatformCampaign("product_led_paid_search_signup", 10, "google_ads", "1005",
                     "PLG | Sign-up | Search", "5550001", "USD"),
    PlatformCampaign("abm_paid_search_target_accounts", 10, "linkedin_ads", "501",
                     "ABM - Target accounts", "9001", "GBP"),
    PlatformCampaign("abm_paid_search_retargeting", 10, "linkedin_ads", "502",
                     "ABM - Retargeting", "9001", "GBP"),
    PlatformCampaign("product_led_content_guides", 10, "facebook_ads", "23850001",
                     "PLG - Guides", "77", "USD"),
)  # fmt: skip
# Campaigns no contract campaign stands behind: spend on every 7th day, kept out by the
# connector (one no seed maps, one mapped to motion `none`).
UNMAPPED_CAMPAIGN = ("1099", "Display | Prospecting | Test")
EXCLUDED_CAMPAIGN = ("1098", "Recruiting | Search")
# Older names (history rows: the connector reads the latest version).
OLD_CAMPAIGN_NAMES = {"1003": "Generic | Search | US", "501": "ABM - Target accounts (pilot)"}
# Every DELETED_EVERY-th day of a Google campaign has a stats row deleted at the source.
DELETED_EVERY = 11


def _tenths_share(column: str) -> str:
    """SQL: a platform campaign's (p) share of a whole number, in tenths; the first
    campaign of a contract campaign takes what rounding leaves, so the shares add up."""
    return (
        f"case when p.takes_rest then {column} - ({column} * (10 - p.tenths)) // 10 "
        f"else ({column} * p.tenths) // 10 end"
    )


def create(ctx: Context) -> None:
    """campaign_share_rows: each platform campaign's share of its contract campaign's spend
    per day, in cents and in the account's currency (`local`, units; `micros` for Google)."""
    codes = {c.name: code for code, c in enumerate(CAMPAIGNS)}
    rows = []
    for index, pc in enumerate(PLATFORM_CAMPAIGNS):
        siblings = [p for p in PLATFORM_CAMPAIGNS if p.contract_campaign == pc.contract_campaign]
        assert sum(p.tenths for p in siblings) == 10, pc.contract_campaign
        first = siblings[0] is pc
        rows.append((index, codes[pc.contract_campaign], pc.tenths, first, pc.currency))
    ctx.create_values(
        "platform_campaigns",
        "pc integer, campaign_code integer, tenths integer, takes_rest boolean, currency text",
        rows,
    )
    # cents split by tenths; the first campaign of a contract campaign takes what rounding
    # leaves, so the shares add up to the contract's cents
    ctx.run(
        f"""
        create table campaign_share_rows as
        with cents as (
            select day_number, campaign_code, cast(round(spend * 100) as bigint) as cents
            from spend_rows
        ),
        shares as (
            select
                c.day_number,
                p.pc,
                p.currency,
                {_tenths_share("c.cents")} as cents
            from cents as c
            inner join platform_campaigns as p on c.campaign_code = p.campaign_code
        )
        select
            *,
            cast(round(cents * {rate_sql("currency", "day_number")} * 10000) as bigint) as micros
        from shares
        where cents > 0
        """
    )
    # clicks of the campaigns with web sessions: one per session GA4 would see (a high-
    # intent session, or a demo request's own session, which starts 5 s before it: ga4.py),
    # split like the cents, plus bounces (clicks without a session: 0-60% more, a stream
    # of their own); the other campaigns' clicks follow their cost
    session, demo = CODE["high_intent_session"], CODE["demo_request"]
    bounce = ctx.u("day_number", "pc", name="ads_bounced_clicks")
    ctx.run(
        f"""
        create table campaign_click_rows as
        with sessions as (
            select
                (occurred_us - case when type_code = {demo} then 5000000 else 0 end)
                    // 86400000000 as day_number,
                campaign_code,
                count(*) as sessions
            from event_rows
            where type_code in ({session}, {demo})
            group by all
        ),
        shares as (
            select
                s.day_number,
                p.pc,
                {_tenths_share("s.sessions")} as sessions
            from sessions as s
            inner join platform_campaigns as p on s.campaign_code = p.campaign_code
        )
        select *, sessions + cast(floor(sessions * 0.6 * {bounce}) as bigint) as clicks
        from shares
        """
    )


def _campaign_sql(platform: str) -> str:
    rows = [
        f"({index}, {sql_literal(pc.campaign_id)}, {sql_literal(pc.name)}, "
        f"{sql_literal(pc.account_id)})"
        for index, pc in enumerate(PLATFORM_CAMPAIGNS)
        if pc.platform == platform
    ]
    return f"(values {', '.join(rows)}) as pc(pc, campaign_id, name, account_id)"


def _day(column: str) -> str:
    return f"(date '1970-01-01' + {column}::integer)"


def tables(ctx: Context) -> dict[str, dict[str, str]]:
    """Each platform's tables: platform -> table -> select."""
    del ctx  # the rows are campaign_share_rows; the formats do not depend on the run
    google = _campaign_sql("google_ads")
    linkedin = _campaign_sql("linkedin_ads")
    facebook = _campaign_sql("facebook_ads")
    unmapped_id, unmapped_name = UNMAPPED_CAMPAIGN
    excluded_id, excluded_name = EXCLUDED_CAMPAIGN
    synced = "timestamptz '2026-12-07 06:00:00+00'"
    every_7th = "(select distinct day_number from campaign_share_rows where day_number % 7 = 0)"
    google_stats = f"""
        with shares as (
            select s.*, pc.campaign_id, pc.account_id,
                case when s.pc in (select pc from campaign_click_rows) then coalesce(c.clicks, 0)
                    else s.micros // 2500000 end as day_clicks
            from campaign_share_rows as s inner join {google} on s.pc = pc.pc
            left join campaign_click_rows as c
                on s.pc = c.pc and s.day_number = c.day_number
        ),
        split as (
            select campaign_id, account_id, day_number, 'SEARCH' as ad_network_type,
                'DESKTOP' as device, micros - (micros * 2) // 5 as cost_micros,
                case when (micros * 2) // 5 > 0 then day_clicks - (day_clicks * 2) // 5
                    else day_clicks end as clicks,
                false as _fivetran_deleted
            from shares
            union all
            select campaign_id, account_id, day_number, 'SEARCH', 'MOBILE', (micros * 2) // 5,
                (day_clicks * 2) // 5, false
            from shares where (micros * 2) // 5 > 0
            union all
            select campaign_id, account_id, day_number, 'CONTENT', 'TABLET', micros,
                micros // 2500000, true
            from shares where day_number % {DELETED_EVERY} = 0
            union all
            select {sql_literal(unmapped_id)}, '5550001', day_number, 'CONTENT', 'DESKTOP',
                123450000, 49, false
            from {every_7th}
            union all
            select {sql_literal(excluded_id)}, '5550001', day_number, 'SEARCH', 'DESKTOP',
                45670000, 18, false
            from {every_7th}
        )
        select
            campaign_id as id, account_id as customer_id, {_day("day_number")} as date,
            ad_network_type, device, cost_micros, clicks,
            cost_micros // 50000 as impressions, _fivetran_deleted, {synced} as _fivetran_synced
        from split
        order by date, id, ad_network_type, device
    """
    google_campaigns = f"""
        select campaign_id as id, timestamptz '2025-01-01 00:00:00+00' as updated_at,
            account_id as customer_id, name, 'SEARCH' as advertising_channel_type,
            'ENABLED' as status, true as _fivetran_active, false as _fivetran_deleted,
            {synced} as _fivetran_synced
        from {google}
        union all
        select id, timestamptz '2024-06-01 00:00:00+00', '5550001', name, 'SEARCH', 'ENABLED',
            false, false, {synced}
        from (values {
        ", ".join(
            f"({sql_literal(k)}, {sql_literal(v)})"
            for k, v in OLD_CAMPAIGN_NAMES.items()
            if k.startswith("10")
        )
    })
            as old(id, name)
        union all
        select {sql_literal(unmapped_id)}, timestamptz '2025-01-01 00:00:00+00', '5550001',
            {sql_literal(unmapped_name)}, 'DISPLAY', 'PAUSED', true, false, {synced}
        union all
        select {sql_literal(excluded_id)}, timestamptz '2025-01-01 00:00:00+00', '5550001',
            {sql_literal(excluded_name)}, 'SEARCH', 'ENABLED', true, false, {synced}
    """
    # an older connector version's camelCase names
    google_accounts = """
        select * from (values
            ('5550001', timestamptz '2025-01-01 00:00:00+00', 'Demo Co (US)', 'USD',
                'America/New_York', true),
            ('5550002', timestamptz '2025-01-01 00:00:00+00', 'Demo Co (EMEA)', 'EUR',
                'Europe/Berlin', true),
            ('5550002', timestamptz '2024-01-01 00:00:00+00', 'Demo Co EU', 'EUR',
                'Europe/Berlin', false)
        ) as a(id, "updatedAt", "descriptiveName", "currencyCode", "timeZone", "_fivetranActive")
    """
    # LinkedIn: every column text, timestamps as the API's text, no history-mode flags
    linkedin_stats = f"""
        select
            pc.campaign_id,
            strftime({_day("s.day_number")}, '%Y-%m-%d 00:00:00.000') as day,
            printf('%d.%06d', s.micros // 1000000, s.micros % 1000000) as cost_in_local_currency,
            printf('%d.%02d', s.cents // 100, s.cents % 100) as cost_in_usd,
            cast(s.cents // 300 as varchar) as clicks,
            cast(s.cents // 3 as varchar) as impressions
        from campaign_share_rows as s inner join {linkedin} on s.pc = pc.pc
        order by day, pc.campaign_id
    """
    linkedin_campaigns = f"""
        select campaign_id as id, '2025-01-01T00:00:00.000Z' as last_modified_time,
            account_id, '600' as campaign_group_id, name, 'ACTIVE' as status
        from {linkedin}
        union all
        select '501', '2024-03-01T00:00:00.000Z', '9001', '600',
            {sql_literal(OLD_CAMPAIGN_NAMES["501"])}, 'ACTIVE'
    """
    linkedin_accounts = """
        select '9001' as id, '2025-01-01T00:00:00.000Z' as last_modified_time,
            'Demo Co' as name, 'GBP' as currency
    """
    # Meta: per ad (two a campaign), no clicks or deletion flags synced (sparse)
    facebook_stats = f"""
        with ads as (
            select s.*, pc.campaign_id, pc.account_id, half.n
            from campaign_share_rows as s
            inner join {facebook} on s.pc = pc.pc
            cross join (values (1), (2)) as half(n)
        )
        select
            campaign_id || '0' || cast(n as varchar) as ad_id, account_id,
            {_day("day_number")} as date,
            case when n = 1 then micros - micros // 2 else micros // 2 end / 1000000.0 as spend,
            cents // 4 as impressions
        from ads
        where (case when n = 1 then micros - micros // 2 else micros // 2 end) > 0
        order by date, ad_id
    """
    facebook_ads = f"""
        select campaign_id || '0' || cast(n as varchar) as id,
            timestamp '2025-02-01 00:00:00' as updated_time,
            account_id, campaign_id, campaign_id || '9' as ad_set_id,
            name || ' - ad ' || cast(n as varchar) as name, {synced} as _fivetran_synced
        from {facebook} cross join (values (1), (2)) as half(n)
        union all
        select campaign_id || '01', timestamp '2024-11-01 00:00:00', account_id, campaign_id,
            campaign_id || '9', 'Draft ad', {synced}
        from {facebook}
    """
    facebook_campaigns = f"""
        select campaign_id as id, timestamp '2025-02-01 00:00:00' as updated_time,
            account_id, name, 'ACTIVE' as status, {synced} as _fivetran_synced
        from {facebook}
    """
    facebook_accounts = f"""
        select '77' as id, 'Demo Co' as name, 'USD' as currency,
            'America/Los_Angeles' as timezone_name, {synced} as _fivetran_synced
    """
    return {
        "google_ads": {
            "campaign_stats": google_stats,
            "campaign_history": google_campaigns,
            "account_history": google_accounts,
        },
        "linkedin_ads": {
            "ad_analytics_by_campaign": linkedin_stats,
            "campaign_history": linkedin_campaigns,
            "account_history": linkedin_accounts,
        },
        "facebook_ads": {
            "basic_ad": facebook_stats,
            "ad_history": facebook_ads,
            "campaign_history": facebook_campaigns,
            "account_history": facebook_accounts,
        },
    }


def write(ctx: Context) -> dict[str, Any]:
    """Write every platform's tables when --ads is given; returns the report's `ads` section
    (rows per table, what was planted), or {}."""
    if not ctx.o.ads:
        return {}
    create(ctx)
    rows: dict[str, dict[str, int]] = {}
    for platform, selects in tables(ctx).items():
        rows[platform] = {}
        for name, select in selects.items():
            path = ctx.o.output_dir / platform / name / "part-0000.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("*.parquet"):
                old.unlink()
            ctx.run(f"copy ({select}) to {sql_literal(str(path))} (format parquet)")
            rows[platform][name] = int(
                ctx.scalar(f"select count(*) from read_parquet({sql_literal(str(path))})")
            )
    return {"platforms": list(PLATFORMS), "rows": rows, "planted": planted(ctx, ctx.o.output_dir)}


def planted(ctx: Context, folder: Path) -> dict[str, int]:
    """What the connector must quarantine or filter, counted in the written files: campaign-
    days of ads__rejected by reason, and filtered rows."""

    def count(path: str, where: str) -> int:
        files = sql_literal(str(folder / path / "*.parquet"))
        return int(ctx.scalar(f"select count(*) from read_parquet({files}) where {where}"))

    unmapped_id, excluded_id = UNMAPPED_CAMPAIGN[0], EXCLUDED_CAMPAIGN[0]
    return {
        "unmapped_campaign": count("google_ads/campaign_stats", f"id = '{unmapped_id}'"),
        "excluded_by_motion_mapping": count("google_ads/campaign_stats", f"id = '{excluded_id}'"),
        "deleted_stats_rows": count("google_ads/campaign_stats", "_fivetran_deleted"),
        **clicks_planted(ctx),
        "history_versions": count("google_ads/campaign_history", "not _fivetran_active")
        + count("google_ads/account_history", 'not "_fivetranActive"')
        + count("linkedin_ads/campaign_history", "last_modified_time like '2024%'")
        + count("facebook_ads/ad_history", "name = 'Draft ad'"),
    }


def clicks_planted(ctx: Context) -> dict[str, int]:
    """Google's clicks of the campaigns with web sessions against those sessions: the
    bounces written (clicks without a session), and the sessions of days the campaign
    wrote no stats (no spend: no clicks either)."""
    google = _campaign_sql("google_ads")
    written = f"""
        from campaign_click_rows as c
        left join campaign_share_rows as s on c.pc = s.pc and c.day_number = s.day_number
        where c.pc in (select pc from {google})
    """
    return {
        "bounced_clicks": int(
            ctx.scalar(
                f"select coalesce(sum(c.clicks - c.sessions), 0) {written} and s.pc is not null"
            )
        ),
        "sessions_without_clicks": int(
            ctx.scalar(f"select coalesce(sum(c.sessions), 0) {written} and s.pc is null")
        ),
    }


__all__ = ["PLATFORMS", "PLATFORM_CAMPAIGNS", "planted", "tables", "write"]

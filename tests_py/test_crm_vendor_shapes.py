"""Salesforce tables shaped as vendors' own sample data build without a change to the models
(docs/connectors.md), on DuckDB and PostgreSQL.

A hand-made org of a few records, landed the way older connector versions and exports land
it: camelCase column names (`StageName`, `IsDeleted`), every value text (timestamps in the
API's format with an offset, `Z`, or none: local wall clocks; flags as 'true', '0', 'f';
amounts as '8750.00'), custom fields ending `__c`, sparse tables (no record types, no
contact on the opportunity, no campaigns, no currency tables: optional tables switched off
by vars), and columns nobody declared. Every contract row it implies is hand-computed
below; the build includes staging of the contract tables the connector feeds.

Cost: one `dbt build` of the connector, the seeds and staging (about 40 s per engine).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from harness import Engine, environment, load_script, write_empty_raw_tables

# Every value is text, as a CSV export or an older connector lands it.
ORG: dict[str, tuple[list[str], list[tuple[str | None, ...]]]] = {
    "account": (
        [
            "Id",
            "Name",
            "Website",
            "NumberOfEmployees",
            "BillingCountry",
            "ABM_Tier__c",
            "IsDeleted",
            "MasterRecordId",
            "SystemModstamp",
            "Region__c",
        ],
        [
            (
                "001A",
                "Acme",
                "http://www.acme.example/about",
                "250",
                "Germany",
                "Tier 1",
                "false",
                None,
                "2026-03-01T00:00:00.000+0000",
                "EMEA-Central",
            ),
            ("001B", "Beta", "beta.example", "20", "US", None, "0", None, None, "NA-East"),
            ("001C", "Gamma", "gamma.example", "5000", "US", "Tier 1", "true", None, None, None),
        ],
    ),
    "contact": (
        ["Id", "AccountId", "Email", "Buying_Role__c", "IsDeleted", "CreatedDate"],
        [
            ("003A", "001A", "Ann@Acme.example", "Champion", "f", "2026-03-02T14:00:00Z"),
            ("003B", "001A", "bob@acme.example", "Technical Buyer", "f", "2026-03-02T14:00:00Z"),
        ],
    ),
    "lead": (
        [
            "Id",
            "Email",
            "LeadSource",
            "Status",
            "IsConverted",
            "ConvertedContactId",
            "ConvertedAccountId",
            "ConvertedDate",
            "CreatedDate",
            "IsDeleted",
        ],
        [
            (
                "00QA",
                "ann@acme.example",
                "Web",
                "Closed - Converted",
                "true",
                "003A",
                "001A",
                "2026-03-02",
                "2026-03-01T09:30:00.000+0000",
                "0",
            ),
            (
                "00QB",
                "carl@beta.example",
                "Podcast",
                "Open",
                "false",
                None,
                None,
                None,
                "2026-03-05T12:00:00.000Z",
                "false",
            ),
            # a local wall clock (America/New_York, var salesforce_time_zone): 13:00 UTC
            (
                "00QC",
                "dana@beta.example",
                "Trade Show",
                "Open",
                "false",
                None,
                None,
                None,
                "2026-03-06 08:00:00",
                "false",
            ),
            (
                "00QD",
                "eve@beta.example",
                "Web",
                "Open",
                "false",
                None,
                None,
                None,
                "2026-03-07T08:00:00.000+0000",
                "true",
            ),
        ],
    ),
    "opportunity": (
        [
            "Id",
            "AccountId",
            "StageName",
            "Amount",
            "CurrencyIsoCode",
            "CloseDate",
            "CreatedDate",
            "Type",
            "LeadSource",
            "IsDeleted",
            "IsClosed",
            "Fiscal",
        ],
        [
            (
                "006A",
                "001A",
                "Closed Won",
                "8750.00",
                "EUR",
                "2026-04-10",
                "2026-03-10T10:00:00.000+0000",
                "New Customer",
                "Web",
                "false",
                "true",
                "2026 2",
            ),
            (
                "006B",
                "001B",
                "Prospecting",
                "5000",
                None,
                "2026-06-30",
                "2026-03-12T11:00:00.000+0000",
                None,
                "Partner Referral",
                "false",
                "false",
                None,
            ),
        ],
    ),
    "opportunity_history": (
        ["Id", "OpportunityId", "StageName", "Amount", "CreatedDate", "IsDeleted"],
        [
            ("008A", "006A", "Prospecting", "8000", "2026-03-10T10:00:00.000+0000", "false"),
            ("008B", "006A", "Needs Analysis", "8000", "2026-03-15T10:00:00.000+0000", "false"),
            ("008C", "006A", "Closed Won", "8750.00", "2026-04-10T16:00:00.000+0000", "false"),
        ],
    ),
    "event": (
        [
            "Id",
            "WhoId",
            "WhatId",
            "AccountId",
            "Type",
            "StartDateTime",
            "CreatedDate",
            "Meeting_Outcome__c",
            "IsDeleted",
        ],
        [
            # starts at 10:00 in New York (a naive text timestamp): 15:00 UTC
            (
                "00UA",
                "003A",
                "001A",
                "001A",
                "Meeting",
                "2026-03-04 10:00:00",
                "2026-03-02T14:00:00.000+0000",
                "Completed",
                "false",
            ),
            (
                "00UB",
                "003B",
                "001A",
                "001A",
                "Call",
                "2026-03-03 10:00:00",
                "2026-03-02T15:00:00.000+0000",
                None,
                "false",
            ),
        ],
    ),
}
SWITCHED_OFF = (
    "opportunity_field_history", "opportunity_contact_role", "contact_history", "campaign",
    "campaign_member", "event_relation", "record_type", "dated_conversion_rate", "currency_type",
)  # fmt: skip
VARS = {
    "crm_connector": "salesforce",
    "salesforce_time_zone": "America/New_York",
    "salesforce__account_pass_through_columns": [{"name": "Region__c", "alias": "sales_region"}],
    **{f"salesforce__{table}_enabled": False for table in SWITCHED_OFF},
}
EUR_2026 = 0.8125  # seeds/crm_currency_rates.csv: EUR per USD from 2026-01-01


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (event_id, occurred_at, account_id, contact_id, opportunity_id, event_type, motion, channel,
#  amount): the contract rows the org implies, hand-computed (ids as landed: staging
#  lower-cases them)
EXPECTED_EVENTS = [
    ("00QA:demo_request", utc("2026-03-01 09:30"), "001A", "003A", None, "demo_request",
     "inbound", "direct", None),
    ("00QC:demo_request", utc("2026-03-06 13:00"), "001B", "00QC", None, "demo_request",
     "inbound", "events", None),
    ("00UA:meeting_scheduled", utc("2026-03-02 14:00"), "001A", "003A", None,
     "meeting_scheduled", "inbound", "direct", None),
    ("00UA:meeting_held", utc("2026-03-04 15:00"), "001A", "003A", None, "meeting_held",
     "inbound", "direct", None),
    ("006A:opportunity_created", utc("2026-03-10 10:00"), "001A", None, "006A",
     "opportunity_created", "inbound", "direct", 8000 / EUR_2026),
    ("006A:opportunity_qualified", utc("2026-03-15 10:00"), "001A", None, "006A",
     "opportunity_qualified", "inbound", "direct", 8000 / EUR_2026),
    ("006A:closed", utc("2026-04-10 16:00"), "001A", None, "006A", "closed_won", "inbound",
     "direct", 8750 / EUR_2026),
    ("006B:opportunity_created", utc("2026-03-12 11:00"), "001B", None, "006B",
     "opportunity_created", "partner", "partner", 5000.0),
]  # fmt: skip


def write_org(root: Path, crm: str, org: dict[str, tuple[list[str], list[Any]]]) -> Path:
    """The org's tables as parquet folders (every column text), and empty contract tables."""
    raw_dir = root / "raw"
    connection = duckdb.connect()
    for table, (columns, rows) in org.items():
        folder = raw_dir / crm / table
        folder.mkdir(parents=True)
        values = ", ".join(
            "(" + ", ".join("null" if v is None else "'" + v + "'" for v in row) + ")"
            for row in rows
        )
        names = ", ".join(f'"{c}"' for c in columns)
        connection.execute(
            f"copy (select * from (values {values}) as t({names})) "
            f"to '{folder}/part-0000.parquet' (format parquet)"
        )
    connection.close()
    write_empty_raw_tables(raw_dir)
    return raw_dir


def build_org(engine: Engine, raw_dir: Path, crm: str, settings: dict[str, Any]) -> str:
    """Load the org where the engine reads it and build the connector, the seeds and
    staging; returns the connector's schema."""
    engine.load_raw(raw_dir)
    settings = dict(settings)
    if engine.name == "postgres":
        settings[f"{crm}_schema"] = f"{engine.schema}_org"
        with environment(engine.env):
            loader = load_script("load_raw_to_postgres")
            arguments = ["--input-dir", str(raw_dir), "--crm", crm]
            assert loader.main([*arguments, "--schema", f"{engine.schema}_org"]) == 0
    engine.dbt(
        ["build", "--select", "path:models/sources", "path:seeds", "path:models/staging",
         "--indirect-selection", "cautious", "--vars", json.dumps(settings)]
    )  # fmt: skip
    return f"{engine.schema}_sources"


def assert_events(engine: Engine, sources: str, crm: str, expected: list[tuple[Any, ...]]) -> None:
    """The connector's funnel events are the expected ones (amounts within 1e-9), and they
    are all staging holds (the contract's own are empty)."""
    events = sorted(
        engine.query(
            "select event_id, occurred_at, account_id, contact_id, opportunity_id, event_type, "
            f"motion, channel, amount from {sources}.{crm}__funnel_events_versions"
        )
    )
    assert [row[:8] for row in events] == [row[:8] for row in sorted(expected)]
    for got, wanted in zip(events, sorted(expected), strict=True):
        assert (got[8] is None) == (wanted[8] is None), got
        if wanted[8] is not None:
            assert abs(got[8] - wanted[8]) < 1e-9, got
    staged = engine.query(
        f"select count(*) from {engine.schema}_staging.stg_marketing__funnel_events"
    )
    assert staged == [(len(expected),)]


def test_vendor_shaped_tables_build_without_a_change_to_the_models(
    engine: Engine, tmp_path: Path
) -> None:
    raw_dir = write_org(tmp_path, "salesforce", ORG)
    sources = build_org(engine, raw_dir, "salesforce", VARS)
    assert_events(engine, sources, "salesforce", EXPECTED_EVENTS)
    accounts = engine.query(
        f"select account_id, segment, is_target_account, region from {sources}.salesforce__accounts"
    )
    accounts = sorted(accounts)
    assert accounts == [("001A", "mid_market", True, "emea"), ("001B", "smb", False, "na")]
    attendees = engine.query(
        f"select attendee_id, meeting_event_id, contact_id, persona "
        f"from {sources}.salesforce__meeting_attendees"
    )
    attendees = sorted(attendees)
    assert attendees == [
        ("00UA:who:meeting_held", "00UA:meeting_held", "003A", "champion"),
        ("00UA:who:meeting_scheduled", "00UA:meeting_scheduled", "003A", "champion"),
    ]
    rejected = engine.query(
        "select record_id, rejection_reason, unmapped_field, unmapped_value "
        f"from {sources}.salesforce__rejected"
    )
    assert rejected == [("00QB", "unmapped_lead_source", "lead_source", "Podcast")]
    # the team's custom field comes through, under its alias
    regions = engine.query(f"select id, sales_region from {sources}.stg_salesforce__accounts")
    regions = sorted(regions)
    assert regions == [("001A", "EMEA-Central"), ("001B", "NA-East")]
    # the lead nobody converted found its account by its email's domain
    rules = dict(
        engine.query(f"select person_ref, match_rule from {sources}.salesforce__identities")
    )
    assert rules == {"003A": "crm_id", "003B": "crm_id", "00QA": "crm_id",
                     "00QB": "email_domain", "00QC": "email_domain"}  # fmt: skip


# A HubSpot portal as other connectors and exports land it: properties flattened as
# `properties_<name>` (not Fivetran's `property_<name>`), every value text, times as epoch
# milliseconds or ISO 8601 with a Z, flags as 'true', sparse (no merges, no property
# histories, no engagement companies or deals: switched off).
PORTAL: dict[str, tuple[list[str], list[tuple[str | None, ...]]]] = {
    "company": (
        [
            "id",
            "properties_name",
            "properties_domain",
            "properties_website",
            "properties_numberofemployees",
            "properties_country",
            "properties_hs_is_target_account",
            "is_deleted",
        ],
        [
            ("101", "Acme", "acme.example", None, "1200", "DE", "true", "false"),
            ("102", "Beta", None, "https://www.beta.example/", "50", "Canada", None, "false"),
        ],
    ),
    "contact": (
        [
            "id",
            "properties_email",
            "properties_associatedcompanyid",
            "properties_hs_buying_role",
            "properties_hs_analytics_source",
            "properties_createdate",
        ],
        [
            ("201", "ann@acme.example", "101", "DECISION_MAKER", "PAID_SEARCH", "1772380800000"),
            ("202", "bob@beta.example", None, None, "ORGANIC_SEARCH", "1772380800000"),
        ],
    ),
    "form": (["guid", "name"], [("g1", "Demo request"), ("g2", "Content download")]),
    "contact_form_submission": (
        ["contact_id", "form_id", "conversion_id", "timestamp", "page_url"],
        [
            # 2026-03-02 08:00 UTC, from a paid search ad
            (
                "201",
                "g1",
                "c1",
                "1772438400000",
                "https://www.example.com/demo?utm_medium=cpc&utm_campaign=spring",
            ),
            # no UTM medium: direct traffic
            ("202", "g1", "c2", "2026-03-03T09:00:00Z", "https://www.example.com/demo"),
            (
                "201",
                "g2",
                "c3",
                "2026-03-04T10:00:00Z",
                "https://www.example.com/guide?utm_medium=email&utm_campaign=newsletter",
            ),
        ],
    ),
    "deal_pipeline": (["pipeline_id", "label"], [("default", "Sales Pipeline")]),
    "deal_pipeline_stage": (
        ["stage_id", "pipeline_id", "label", "is_closed"],
        [
            ("appointmentscheduled", "default", "Appointment Scheduled", "false"),
            ("qualifiedtobuy", "default", "Qualified To Buy", "false"),
            ("closedwon", "default", "Closed Won", "true"),
        ],
    ),
    "deal": (
        [
            "deal_id",
            "properties_pipeline",
            "properties_dealstage",
            "properties_amount",
            "properties_dealtype",
            "properties_createdate",
            "properties_closedate",
            "properties_deal_currency_code",
            "is_deleted",
        ],
        [
            (
                "301",
                "default",
                "closedwon",
                "12000",
                "newbusiness",
                "2026-03-05T10:00:00Z",
                "2026-03-20T00:00:00Z",
                "EUR",
                "false",
            ),
        ],
    ),
    "deal_stage": (
        ["deal_id", "value", "date_entered"],
        [
            ("301", "appointmentscheduled", "2026-03-05T10:00:00Z"),
            ("301", "qualifiedtobuy", "2026-03-08T10:00:00Z"),
            ("301", "closedwon", "2026-03-20T15:00:00Z"),
        ],
    ),
    "deal_company": (["deal_id", "company_id"], [("301", "101")]),
    "deal_contact": (["deal_id", "contact_id"], [("301", "201")]),
    "engagement": (
        ["id", "type", "created_at", "timestamp", "active"],
        [
            ("401", "MEETING", "2026-03-02T12:00:00Z", "2026-03-03T08:00:00Z", "true"),
            ("402", "CALL", "2026-03-02T13:00:00Z", "2026-03-02T13:00:00Z", "true"),
        ],
    ),
    "engagement_meeting": (
        [
            "engagement_id",
            "properties_hs_meeting_outcome",
            "properties_hs_meeting_start_time",
            "properties_hs_createdate",
        ],
        [("401", "COMPLETED", "1772524800000", "2026-03-02T12:00:00Z")],
    ),
    "engagement_contact": (["engagement_id", "contact_id"], [("401", "201")]),
}
PORTAL_VARS = {
    "crm_connector": "hubspot",
    **{
        f"hubspot__{table}_enabled": False
        for table in ("contact_merge_audit", "contact_property_history", "deal_property_history",
                      "merged_deal", "engagement_company", "engagement_deal")
    },
}  # fmt: skip
PORTAL_EVENTS = [
    ("c1:demo_request", utc("2026-03-02 08:00"), "101", "201", None, "demo_request", "inbound",
     "paid_search", None),
    ("c2:demo_request", utc("2026-03-03 09:00"), "102", "202", None, "demo_request", "inbound",
     "direct", None),
    ("401:meeting_scheduled", utc("2026-03-02 12:00"), "101", "201", None, "meeting_scheduled",
     "inbound", "paid_search", None),
    ("401:meeting_held", utc("2026-03-03 08:00"), "101", "201", None, "meeting_held", "inbound",
     "paid_search", None),
    ("301:opportunity_created", utc("2026-03-05 10:00"), "101", "201", "301",
     "opportunity_created", "inbound", "paid_search", 12000 / EUR_2026),
    ("301:opportunity_qualified", utc("2026-03-08 10:00"), "101", "201", "301",
     "opportunity_qualified", "inbound", "paid_search", 12000 / EUR_2026),
    ("301:closed", utc("2026-03-20 15:00"), "101", "201", "301", "closed_won", "inbound",
     "paid_search", 12000 / EUR_2026),
]  # fmt: skip


def test_hubspot_shaped_tables_build_without_a_change_to_the_models(
    engine: Engine, tmp_path: Path
) -> None:
    raw_dir = write_org(tmp_path, "hubspot", PORTAL)
    sources = build_org(engine, raw_dir, "hubspot", PORTAL_VARS)
    assert_events(engine, sources, "hubspot", PORTAL_EVENTS)
    accounts = sorted(
        engine.query(
            "select account_id, segment, is_target_account, region "
            f"from {sources}.hubspot__accounts"
        )
    )
    assert accounts == [("101", "enterprise", True, "emea"), ("102", "smb", False, "na")]
    attendees = sorted(
        engine.query(f"select attendee_id, persona from {sources}.hubspot__meeting_attendees")
    )
    assert attendees == [
        ("401:201:meeting_held", "economic_buyer"),
        ("401:201:meeting_scheduled", "economic_buyer"),
    ]
    # every submission is a response: the deal's account's, in its window, are its touches
    touches = sorted(
        engine.query(
            f"select touch_id, channel, campaign, touched_at from {sources}.hubspot__touches"
        )
    )
    assert touches == [
        ("c1:301", "paid_search", "spring", utc("2026-03-02 08:00")),
        ("c3:301", "email", "newsletter", utc("2026-03-04 10:00")),
    ]
    assert engine.query(f"select count(*) from {sources}.hubspot__rejected") == [(0,)]

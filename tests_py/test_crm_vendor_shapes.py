"""Salesforce tables shaped as vendors' own sample data build without a change to the models
(README "Bring your own data"), on DuckDB and PostgreSQL.

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


def write_org(root: Path) -> Path:
    """The org's tables as parquet folders (every column text), and empty contract tables."""
    raw_dir = root / "raw"
    connection = duckdb.connect()
    for table, (columns, rows) in ORG.items():
        folder = raw_dir / "salesforce" / table
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


def test_vendor_shaped_tables_build_without_a_change_to_the_models(
    engine: Engine, tmp_path: Path
) -> None:
    raw_dir = write_org(tmp_path)
    engine.load_raw(raw_dir)
    settings: dict[str, Any] = dict(VARS)
    if engine.name == "postgres":
        settings["salesforce_schema"] = f"{engine.schema}_org"
        with environment(engine.env):
            loader = load_script("load_raw_to_postgres")
            arguments = ["--input-dir", str(raw_dir), "--crm", "salesforce"]
            assert loader.main([*arguments, "--schema", f"{engine.schema}_org"]) == 0
    engine.dbt(
        ["build", "--select", "path:models/sources", "path:seeds", "path:models/staging",
         "--indirect-selection", "cautious", "--vars", json.dumps(settings)]
    )  # fmt: skip
    sources = f"{engine.schema}_sources"
    events = engine.query(
        "select event_id, occurred_at, account_id, contact_id, opportunity_id, event_type, "
        f"motion, channel, amount from {sources}.salesforce__funnel_events_versions"
    )
    events = sorted(events)
    assert [row[:8] for row in events] == [row[:8] for row in sorted(EXPECTED_EVENTS)]
    for got, expected in zip(events, sorted(EXPECTED_EVENTS), strict=True):
        assert (got[8] is None) == (expected[8] is None), got
        if expected[8] is not None:
            assert abs(got[8] - expected[8]) < 1e-9, got
    # staged: the contract's own funnel events are empty, so these are all of them
    staged = engine.query(
        f"select count(*) from {engine.schema}_staging.stg_marketing__funnel_events"
    )
    assert staged == [(len(EXPECTED_EVENTS),)]
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

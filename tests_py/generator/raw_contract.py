"""The raw data contract as the tests read it (docs/raw_data.md), independent of the generator.

`connect(raw)` opens the written files: a view per raw table (every row as written) and a
`clean_<table>` view of its valid rows (no defect, one row per id: the latest ingested
version), with the validity rules written out here rather than taken from the generator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from kpitree.raw_tables import RAW_TABLES

# The `generate` fixture (conftest.py): generate(events, seed=42, *extra_args) -> folder.
Generate = Callable[..., Path]

TABLES = RAW_TABLES  # the names; everything else here is written out independently
EVENT_TYPES = (
    "high_intent_session",
    "demo_request",
    "meeting_scheduled",
    "meeting_held",
    "opportunity_created",
    "opportunity_qualified",
    "closed_won",
    "closed_lost",
)
MOTIONS = ("inbound", "abm", "partner", "product_led")
CHANNELS = ("paid_search", "seo", "email", "events", "partner", "direct", "content")
SEGMENTS = ("smb", "mid_market", "enterprise")
REGIONS = ("na", "emea", "apac", "latam")


def in_list(column: str, values: tuple[str, ...]) -> str:
    return f"coalesce({column} in ({', '.join(repr(v) for v in values)}), false)"


# Per table: (the key a re-send shares, the latest-version order, the defect classes as
# (name, condition true for a bad row)). Bad-row class names as in generation_report.json.
RULES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "funnel_events": (
        "event_id",
        "ingested_at desc",
        [
            ("missing_event_id", "event_id is null"),
            ("missing_account_id", "account_id is null"),
            ("unknown_event_type", f"not {in_list('event_type', EVENT_TYPES)}"),
            ("negative_amount", "amount < 0"),
            ("occurred_after_ingestion", "occurred_at > ingested_at"),
        ],
    ),
    "ad_spend": (
        "(spend_date, channel, motion, campaign)",
        "1",
        [
            ("unknown_channel", f"not {in_list('channel', CHANNELS)}"),
            ("negative_spend", "spend < 0"),
        ],
    ),
    "accounts": (
        "account_id",
        "1",
        [
            ("missing_account_id", "account_id is null"),
            ("unknown_segment", f"not {in_list('segment', SEGMENTS)}"),
        ],
    ),
    "account_engagement": (
        "engagement_id",
        "ingested_at desc",
        [
            ("missing_engagement_id", "engagement_id is null"),
            ("missing_account_id", "account_id is null"),
            (
                "unknown_engagement_type",
                f"not {in_list('engagement_type', ('intent_signal', 'engaged_session'))}",
            ),
        ],
    ),
    "meeting_attendees": (
        "attendee_id",
        "ingested_at desc",
        [
            ("missing_attendee_id", "attendee_id is null"),
            ("missing_account_id", "account_id is null"),
            (
                "unknown_persona",
                f"not {in_list('persona', ('economic_buyer', 'champion', 'other'))}",
            ),
        ],
    ),
    "partner_registrations": (
        "registration_id",
        "ingested_at desc",
        [
            ("missing_registration_id", "registration_id is null"),
            ("missing_account_id", "account_id is null"),
            ("unknown_status", f"not {in_list('status', ('accepted', 'rejected', 'pending'))}"),
        ],
    ),
    "product_events": (
        "event_id",
        "ingested_at desc",
        [
            ("missing_event_id", "event_id is null"),
            ("missing_account_id", "account_id is null"),
            (
                "unknown_event_type",
                "not "
                + in_list("event_type", ("signup", "activation", "product_qualified_account")),
            ),
        ],
    ),
    "touches": (
        "touch_id",
        "ingested_at desc",
        [
            ("missing_touch_id", "touch_id is null"),
            ("missing_account_id", "account_id is null"),
            ("unknown_channel", f"not {in_list('channel', CHANNELS)}"),
        ],
    ),
    "subscriptions": (
        "subscription_id",
        "ingested_at desc",
        [
            ("missing_subscription_id", "subscription_id is null"),
            ("missing_account_id", "account_id is null"),
            ("negative_arr", "arr < 0"),
        ],
    ),
    "subscription_changes": (
        "change_id",
        "ingested_at desc",
        [
            ("missing_change_id", "change_id is null"),
            ("missing_account_id", "account_id is null"),
            (
                "unknown_change_type",
                f"not {in_list('change_type', ('expansion', 'contraction', 'renewal', 'churn'))}",
            ),
        ],
    ),
    "account_health": (
        "flag_id",
        "ingested_at desc",
        [
            ("missing_flag_id", "flag_id is null"),
            ("missing_account_id", "account_id is null"),
            ("unknown_status", f"not {in_list('status', ('at_risk', 'recovered'))}"),
        ],
    ),
}


def any_defect(table: str) -> str:
    return " or ".join(f"coalesce({condition}, false)" for _, condition in RULES[table][2])


def connect(raw: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for table in TABLES:
        key, order, _ = RULES[table]
        con.execute(f"create view {table} as select * from read_parquet('{raw}/{table}/*.parquet')")
        con.execute(
            f"""
            create view clean_{table} as
            select * from {table}
            where not ({any_defect(table)})
            qualify row_number() over (partition by {key} order by {order}) = 1
            """
        )
    return con


def scalar(con: duckdb.DuckDBPyConnection, query: str) -> Any:
    row = con.execute(query).fetchone()
    assert row is not None
    return row[0]


def report(raw: Path) -> dict[str, Any]:
    return dict(json.loads((raw / "generation_report.json").read_text(encoding="utf-8")))

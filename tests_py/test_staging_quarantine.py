"""Bad raw rows land in the rejected models with the right reason, on every engine.

A small raw dataset holds valid events, a re-sent event and one row of every
kind of defect staging checks for. After `dbt build` of the staging layer each
bad row must be in stg_marketing__funnel_events_rejected with its reason, the
re-sent event must appear once (latest version), and the counts must reconcile.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from harness import Engine, load_script
from kpitree.raw_tables import RAW_TABLES

# (event_id, event_type, motion, channel, amount, currency, occurred, ingested, expected)
# expected: the rejection reason, or None for a row that must be loaded.
VALID = None
FIXTURE_ROWS: list[tuple[str | None, ...]] = [
    (
        "evt_ok_1",
        "high_intent_session",
        "inbound",
        "seo",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        VALID,
    ),
    (
        "evt_ok_2",
        " Demo_Request ",
        "INBOUND",
        "seo",
        None,
        None,
        "2026-03-02 09:10",
        "2026-03-02 09:15",
        VALID,
    ),
    (
        "evt_ok_3",
        "opportunity_created",
        "abm",
        "events",
        "40000",
        "usd",
        "2026-03-03 10:00",
        "2026-03-03 10:30",
        VALID,
    ),
    (
        None,
        "high_intent_session",
        "inbound",
        "seo",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "missing_event_id",
    ),
    (
        "evt_bad_type",
        "webinar_registration",
        "inbound",
        "seo",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "unknown_event_type",
    ),
    (
        "evt_bad_motion",
        "demo_request",
        "outbound",
        "seo",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "unknown_motion",
    ),
    (
        "evt_bad_channel",
        "demo_request",
        "inbound",
        "tiktok",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "unknown_channel",
    ),
    (
        "evt_negative",
        "closed_won",
        "inbound",
        "seo",
        "-100",
        "USD",
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "negative_amount",
    ),
    (
        "evt_no_amount",
        "opportunity_created",
        "inbound",
        "seo",
        None,
        None,
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "missing_amount",
    ),
    (
        "evt_eur",
        "closed_won",
        "inbound",
        "seo",
        "100",
        "EUR",
        "2026-03-02 09:00",
        "2026-03-02 09:05",
        "unsupported_currency",
    ),
    (
        "evt_future",
        "meeting_held",
        "inbound",
        "seo",
        None,
        None,
        "2026-04-02 09:00",
        "2026-03-02 09:05",
        "occurred_after_ingestion",
    ),
    (
        "evt_no_time",
        "meeting_held",
        "inbound",
        "seo",
        None,
        None,
        None,
        "2026-03-02 09:05",
        "missing_occurred_at",
    ),
]
MISSING_ACCOUNT_EVENT_ID = "evt_no_account"
FIXTURE_TABLES = ("funnel_events", "ad_spend", "accounts")


def write_fixture_raw(raw_dir: Path) -> None:
    """Write the fixture as the three raw parquet tables the sources read."""
    for table in FIXTURE_TABLES:
        (raw_dir / table).mkdir(parents=True, exist_ok=True)
    rows = []
    for (
        event_id,
        event_type,
        motion,
        channel,
        amount,
        currency,
        occurred,
        ingested,
        _,
    ) in FIXTURE_ROWS:
        rows.append(
            (
                event_id,
                "acc_1",
                event_type,
                motion,
                channel,
                amount,
                currency,
                occurred,
                ingested,
                "cmp_a",
            )
        )
    rows.append(
        (
            MISSING_ACCOUNT_EVENT_ID,
            None,
            "demo_request",
            "inbound",
            "seo",
            None,
            None,
            "2026-03-02 09:00",
            "2026-03-02 09:05",
            "cmp_a",
        )
    )
    # evt_ok_1 re-sent twice: the latest ingested version (campaign cmp_latest) must win.
    rows.append(
        (
            "evt_ok_1",
            "acc_1",
            "high_intent_session",
            "inbound",
            "seo",
            None,
            None,
            "2026-03-02 09:00",
            "2026-03-03 08:00",
            "cmp_latest",
        )
    )
    rows.append(
        (
            "evt_ok_1",
            "acc_1",
            "high_intent_session",
            "inbound",
            "seo",
            None,
            None,
            "2026-03-02 09:00",
            "2026-03-02 12:00",
            "cmp_middle",
        )
    )
    # A rejected re-send of a valid event must not push the valid version out.
    rows.append(
        (
            "evt_ok_3",
            "acc_1",
            "opportunity_created",
            "abm",
            "events",
            "-1",
            "USD",
            "2026-03-03 10:00",
            "2026-03-04 10:30",
            "cmp_a",
        )
    )

    with duckdb.connect() as connection:
        connection.execute(
            """
            create table funnel_events (
                event_id varchar, account_id varchar, event_type varchar, motion varchar,
                channel varchar, amount varchar, currency varchar, occurred varchar,
                ingested varchar, campaign varchar
            )
            """
        )
        connection.executemany(
            "insert into funnel_events values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        connection.execute(
            f"""
            copy (
                select
                    event_id,
                    cast(occurred || ':00+00' as timestamptz) as occurred_at,
                    account_id,
                    'ctc_1' as contact_id,
                    case when event_type like 'opportunity%' or event_type like 'closed%'
                        then 'opp_1' end as opportunity_id,
                    event_type,
                    motion,
                    channel,
                    campaign,
                    cast(amount as double) as amount,
                    currency,
                    'crm' as source_system,
                    cast(ingested || ':00+00' as timestamptz) as ingested_at
                from funnel_events
            ) to '{raw_dir / "funnel_events" / "part-0000.parquet"}' (format parquet)
            """
        )
        connection.execute(
            f"""
            copy (
                select * from (values
                    (date '2026-03-02', 'paid_search', 'inbound', 'cmp_a', 120.0),
                    (date '2026-03-02', 'paid_search', 'inbound', 'cmp_b', -5.0),
                    (date '2026-03-02', 'radio', 'inbound', 'cmp_c', 10.0)
                ) as spend (spend_date, channel, motion, campaign, spend)
            ) to '{raw_dir / "ad_spend" / "part-0000.parquet"}' (format parquet)
            """
        )
        connection.execute(
            f"""
            copy (
                select * from (values
                    ('acc_1', 'mid_market', true, 'emea'),
                    ('acc_2', 'galactic', false, 'na'),
                    (null, 'smb', false, 'na')
                ) as accounts (account_id, segment, is_target_account, region)
            ) to '{raw_dir / "accounts" / "part-0000.parquet"}' (format parquet)
            """
        )


def test_every_bad_row_is_quarantined_with_its_reason(engine: Engine, tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    write_fixture_raw(raw_dir)
    engine.load_raw(raw_dir)

    # the fixture holds three of the raw tables: build what reads them
    staged = [
        f"+stg_marketing__{table}{suffix}"
        for table in FIXTURE_TABLES
        for suffix in ("", "_rejected")
    ]
    engine.dbt(["build", "--select", *staged])

    rejected = engine.query(
        f"select event_id, rejection_reason "
        f"from {engine.relation('staging', 'stg_marketing__funnel_events_rejected')}"
    )
    expected_rejected = {
        (event_id, reason) for event_id, *_, reason in FIXTURE_ROWS if reason is not VALID
    }
    expected_rejected |= {
        (MISSING_ACCOUNT_EVENT_ID, "missing_account_id"),
        ("evt_ok_3", "negative_amount"),
    }
    assert sorted(rejected, key=str) == sorted(expected_rejected, key=str)

    loaded = engine.query(
        f"select event_id, event_type, motion, campaign, amount_usd "
        f"from {engine.relation('staging', 'stg_marketing__funnel_events')} order by event_id"
    )
    assert [(e, t, m, c) for e, t, m, c, _ in loaded] == [
        ("evt_ok_1", "high_intent_session", "inbound", "cmp_latest"),
        ("evt_ok_2", "demo_request", "inbound", "cmp_a"),
        ("evt_ok_3", "opportunity_created", "abm", "cmp_a"),
    ]
    assert float(loaded[2][4]) == 40000.0

    raw_count = len(FIXTURE_ROWS) + 4
    duplicates = engine.query(
        "select count(*) - count(distinct event_id) "
        f"from {engine.relation('staging', 'base_marketing__funnel_events')} "
        "where rejection_reason is null"
    )[0][0]
    assert duplicates == 2
    assert len(loaded) + duplicates + len(rejected) == raw_count

    spend_rejected = engine.query(
        f"select campaign, rejection_reason "
        f"from {engine.relation('staging', 'stg_marketing__ad_spend_rejected')} order by campaign"
    )
    assert spend_rejected == [("cmp_b", "negative_spend"), ("cmp_c", "unknown_channel")]

    accounts_rejected = engine.query(
        f"select account_id, rejection_reason "
        f"from {engine.relation('staging', 'stg_marketing__accounts_rejected')} "
        "order by rejection_reason"
    )
    assert accounts_rejected == [(None, "missing_account_id"), ("acc_2", "unknown_segment")]


# -- every raw table: the generator's injected bad rows, counted by reason -------------------

# The staged entity of each raw table (docs/raw_data.md), and what its re-sent duplicates
# become: superseded versions (tables with a load time) or rejected rows with this reason
# (tables without one, where a second identical row is an error).
STAGED = {
    "funnel_events": ("funnel_events", None),
    "ad_spend": ("ad_spend", "duplicate_key"),
    "accounts": ("accounts", "duplicate_account_id"),
    "account_engagement": ("account_engagements", None),
    "meeting_attendees": ("meeting_attendees", None),
    "partner_registrations": ("partner_registrations", None),
    "product_events": ("product_events", None),
    "touches": ("touches", None),
    "subscriptions": ("subscriptions", None),
    "subscription_changes": ("subscription_changes", None),
    "account_health": ("account_health_flags", None),
}


def test_rejected_rows_by_reason_equal_the_generation_report(
    engine: Engine, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "20000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    report = json.loads((raw_dir / "generation_report.json").read_text())["tables"]
    assert set(report) == set(STAGED) == set(RAW_TABLES)
    engine.load_raw(raw_dir)
    # cautious: not the tests that also read models downstream of staging (the ARR roll-forward)
    engine.dbt(["build", "--select", "staging", "--indirect-selection", "cautious"])

    for table, (entity, duplicate_reason) in STAGED.items():
        injected = dict(report[table]["injected"])
        duplicates = injected.pop("duplicate")
        assert duplicates > 0 and all(count > 0 for count in injected.values()), table
        if duplicate_reason:
            injected[duplicate_reason] = duplicates
        rejected = dict(
            engine.query(
                "select rejection_reason, count(*) from "
                f"{engine.relation('staging', f'stg_marketing__{entity}_rejected')} group by 1"
            )
        )
        assert rejected == injected, table
        staged = engine.query(
            f"select count(*) from {engine.relation('staging', f'stg_marketing__{entity}')}"
        )[0][0]
        assert staged == report[table]["valid_rows"], table
        superseded = 0 if duplicate_reason else duplicates
        assert staged + superseded + sum(rejected.values()) == report[table]["rows"], table

"""One upstream row must not stop every refresh: an opportunity's second creation,
qualification or close, the same opportunity from two source systems, an opportunity event
without an opportunity id, and an engagement or product event id reused by two systems are
resolved by the documented rules (int_opportunity_events_ranked, docs/reliability.md),
listed with their reason, and reported by warnings with their count; the build passes.

Hand-made raw data on DuckDB and PostgreSQL, the staging and intermediate layers built,
then a second batch with an earlier qualification built incrementally.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from harness import Engine, write_empty_raw_tables

# (event_id, source_system, opportunity_id, event_type, occurred, amount)
EVENTS: list[tuple[str, str, str | None, str, str, float | None]] = [
    ("c1", "crm", "opp_a", "opportunity_created", "2026-03-01 10:00", 60000),
    ("c2", "hubspot", "opp_a", "opportunity_created", "2026-03-02 10:00", 60000),
    ("d1", "crm", None, "demo_request", "2026-03-03 10:00", None),
    ("q1", "crm", "opp_a", "opportunity_qualified", "2026-03-05 10:00", 50000),
    ("q3", "hubspot", "opp_a", "opportunity_qualified", "2026-03-07 10:00", 55000),
    ("q2", "crm", "opp_a", "opportunity_qualified", "2026-03-10 10:00", 60000),
    ("q4", "crm", "opp_b", "opportunity_qualified", "2026-03-06 10:00", 30000),
    ("q5", "crm", None, "opportunity_qualified", "2026-03-06 11:00", 999),
    ("w1", "crm", "opp_a", "closed_lost", "2026-04-01 10:00", None),
    ("w2", "crm", "opp_a", "closed_won", "2026-04-10 10:00", 50000),
    # the same close from two systems at the same moment: the byte-wise first system counts
    ("w3", "crm", "opp_b", "closed_won", "2026-04-15 12:00", 30000),
    ("w4", "hubspot", "opp_b", "closed_won", "2026-04-15 12:00", 31000),
]
# The second batch: opp_b qualified earlier, in another system, landing months later.
LATE_QUALIFICATION = ("q6", "hubspot", "opp_b", "opportunity_qualified", "2026-03-04 10:00", 35000)

SET_ASIDE = [
    ("crm", "q5", "missing_opportunity_id", None),
    ("crm", "q2", "duplicate_qualification", "crm:q1"),
    ("crm", "w1", "superseded_close", "crm:w2"),
    ("hubspot", "c2", "duplicate_creation", "crm:c1"),
    ("hubspot", "q3", "duplicate_qualification", "crm:q1"),
    ("hubspot", "w4", "superseded_close", "crm:w3"),
]

SELECTION = [
    "+int_funnel_events_aggregated_daily", "+int_opportunities_qualified",
    "+int_opportunities_closed", "+int_account_engagements", "+int_product_events",
]  # fmt: skip


def write_raw(raw_dir: Path, events: list[tuple[Any, ...]]) -> None:
    """Funnel events, the account, and one engagement and one product event id each sent
    by two systems; the other raw tables empty."""
    with duckdb.connect() as connection:
        connection.execute(
            "create table events (event_id varchar, source_system varchar, "
            "opportunity_id varchar, event_type varchar, occurred varchar, amount double)"
        )
        connection.executemany("insert into events values (?, ?, ?, ?, ?, ?)", events)
        outputs = {
            "funnel_events": """
                select
                    event_id,
                    cast(occurred || ':00+00' as timestamptz) as occurred_at,
                    'acc_1' as account_id,
                    'ctc_1' as contact_id,
                    opportunity_id,
                    event_type,
                    'inbound' as motion,
                    'seo' as channel,
                    'cmp_a' as campaign,
                    amount,
                    case when amount is not null then 'USD' end as currency,
                    source_system,
                    case when event_id = 'q6' then timestamptz '2026-11-01 00:00:00+00'
                        else cast(occurred || ':00+00' as timestamptz) + interval 1 hour
                    end as ingested_at
                from events""",
            "accounts": "select 'acc_1' as account_id, 'smb' as segment, "
            "true as is_target_account, 'emea' as region",
            "account_engagement": """
                select 'eng_1' as engagement_id, 'acc_1' as account_id, 'ctc_1' as contact_id,
                    'intent_signal' as engagement_type,
                    timestamptz '2026-03-02 09:00:00+00' as occurred_at, system as source_system,
                    timestamptz '2026-03-02 10:00:00+00' as ingested_at
                from (values ('crm'), ('marketo')) as systems (system)""",
            "product_events": """
                select 'pe_1' as event_id, 'usr_1' as user_id, 'acc_1' as account_id,
                    'signup' as event_type, 'seo' as channel,
                    timestamptz '2026-03-02 09:00:00+00' as occurred_at, system as source_system,
                    timestamptz '2026-03-02 10:00:00+00' as ingested_at
                from (values ('app'), ('segment')) as systems (system)""",
        }
        for table, query in outputs.items():
            (raw_dir / table).mkdir(parents=True, exist_ok=True)
            connection.execute(
                f"copy ({query}) to '{raw_dir / table / 'part-0000.parquet'}' (format parquet)"
            )
    write_empty_raw_tables(raw_dir)


def warnings_by_test(result: Any) -> dict[str, int]:
    """{test name: failures} of the tests that warned."""
    return {
        node_result.node.name: node_result.failures
        for node_result in result.result.results
        if str(node_result.status) == "warn"
    }


def funnel_days(engine: Engine) -> list[tuple[Any, ...]]:
    rows = engine.query(
        "select activity_date, event_type, sum(event_count), sum(amount_usd) "
        f"from {engine.relation('intermediate', 'int_funnel_events_aggregated_daily')} "
        "group by 1, 2 order by 1, 2"
    )
    return [(day, event_type, int(count), float(amount)) for day, event_type, count, amount in rows]


def test_one_upstream_row_is_resolved_listed_and_warned_not_fatal(
    engine: Engine, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "raw"
    write_raw(raw_dir, EVENTS)
    engine.load_raw(raw_dir)

    result = engine.dbt(["build", "--select", *SELECTION])

    warned = warnings_by_test(result)
    assert warned.get("warn_opportunity_events_set_aside") == len(SET_ASIDE)
    assert {name: count for name, count in warned.items() if name.startswith("unique_")} == {
        "unique_int_account_engagements_engagement_id": 1,
        "unique_int_product_events_product_event_id": 1,
    }
    ranked = engine.relation("intermediate", "int_opportunity_events_ranked")
    set_aside = engine.query(
        f"select source_system, event_id, set_aside_reason, counted_event from {ranked} "
        "where not is_counted"
    )
    assert sorted(set_aside) == sorted(SET_ASIDE)

    qualified = engine.query(
        "select opportunity_id, qualified_on, pipeline_usd "
        f"from {engine.relation('intermediate', 'int_opportunities_qualified')} order by 1"
    )
    assert [(o, d, float(p)) for o, d, p in qualified] == [
        ("opp_a", dt.date(2026, 3, 5), 50000.0),
        ("opp_b", dt.date(2026, 3, 6), 30000.0),
    ]
    closed = engine.query(
        "select opportunity_id, is_won, closed_date, won_arr_usd, sales_cycle_days "
        f"from {engine.relation('intermediate', 'int_opportunities_closed')} order by 1"
    )
    assert [(o, w, d, float(a), c) for o, w, d, a, c in closed] == [
        ("opp_a", True, dt.date(2026, 4, 10), 50000.0, 40),  # created 1 March (c1)
        ("opp_b", True, dt.date(2026, 4, 15), 30000.0, None),  # crm's close; no creation
    ]
    # the daily facts count what the opportunities count: 2 qualified, $80,000
    assert funnel_days(engine) == [
        (dt.date(2026, 3, 1), "opportunity_created", 1, 60000.0),
        (dt.date(2026, 3, 3), "demo_request", 1, 0.0),
        (dt.date(2026, 3, 5), "opportunity_qualified", 1, 50000.0),
        (dt.date(2026, 3, 6), "opportunity_qualified", 1, 30000.0),
        (dt.date(2026, 4, 10), "closed_won", 1, 50000.0),
        (dt.date(2026, 4, 15), "closed_won", 1, 30000.0),
    ]
    # an id two systems reuse: two events, as staged
    for model, key, event_id in (
        ("int_account_engagements", "engagement_id", "eng_1"),
        ("int_product_events", "product_event_id", "pe_1"),
    ):
        assert engine.query(
            f"select {key}, count(*) from {engine.relation('intermediate', model)} group by 1"
        ) == [(event_id, 2)]

    # a second batch: opp_b's earlier qualification in another system moves it back a
    # day, and an incremental run moves the daily facts with it
    batch_dir = tmp_path / "raw-2"
    write_raw(batch_dir, [*EVENTS, LATE_QUALIFICATION])
    engine.load_raw(batch_dir)
    engine.dbt(["build", "--select", *SELECTION])

    qualified = engine.query(
        "select qualified_on, pipeline_usd "
        f"from {engine.relation('intermediate', 'int_opportunities_qualified')} "
        "where opportunity_id = 'opp_b'"
    )
    assert [(d, float(p)) for d, p in qualified] == [(dt.date(2026, 3, 4), 35000.0)]
    qualifications = [row for row in funnel_days(engine) if row[1] == "opportunity_qualified"]
    assert qualifications == [
        (dt.date(2026, 3, 4), "opportunity_qualified", 1, 35000.0),
        (dt.date(2026, 3, 5), "opportunity_qualified", 1, 50000.0),
    ]
    assert engine.query(
        f"select set_aside_reason, counted_event from {ranked} where event_id = 'q4'"
    ) == [("duplicate_qualification", "hubspot:q6")]

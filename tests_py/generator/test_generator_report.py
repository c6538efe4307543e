"""Schemas of every raw table, and generation_report.json against counts from the files."""

from __future__ import annotations

from pathlib import Path

from raw_contract import RULES, TABLES, any_defect, connect, report, scalar

TS = "TIMESTAMP WITH TIME ZONE"
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "funnel_events": [
        ("event_id", "VARCHAR"), ("occurred_at", TS), ("account_id", "VARCHAR"),
        ("contact_id", "VARCHAR"), ("opportunity_id", "VARCHAR"), ("event_type", "VARCHAR"),
        ("motion", "VARCHAR"), ("channel", "VARCHAR"), ("campaign", "VARCHAR"),
        ("amount", "DOUBLE"), ("currency", "VARCHAR"), ("source_system", "VARCHAR"),
        ("ingested_at", TS),
    ],
    "ad_spend": [
        ("spend_date", "DATE"), ("channel", "VARCHAR"), ("motion", "VARCHAR"),
        ("campaign", "VARCHAR"), ("spend", "DOUBLE"),
    ],
    "accounts": [
        ("account_id", "VARCHAR"), ("segment", "VARCHAR"), ("is_target_account", "BOOLEAN"),
        ("region", "VARCHAR"),
    ],
    "account_engagement": [
        ("engagement_id", "VARCHAR"), ("account_id", "VARCHAR"), ("contact_id", "VARCHAR"),
        ("engagement_type", "VARCHAR"), ("occurred_at", TS), ("source_system", "VARCHAR"),
        ("ingested_at", TS),
    ],
    "meeting_attendees": [
        ("attendee_id", "VARCHAR"), ("meeting_event_id", "VARCHAR"), ("account_id", "VARCHAR"),
        ("contact_id", "VARCHAR"), ("persona", "VARCHAR"), ("ingested_at", TS),
    ],
    "partner_registrations": [
        ("registration_id", "VARCHAR"), ("partner_id", "VARCHAR"), ("account_id", "VARCHAR"),
        ("registered_at", TS), ("status", "VARCHAR"), ("decided_at", TS), ("ingested_at", TS),
    ],
    "product_events": [
        ("event_id", "VARCHAR"), ("user_id", "VARCHAR"), ("account_id", "VARCHAR"),
        ("event_type", "VARCHAR"), ("channel", "VARCHAR"), ("occurred_at", TS),
        ("source_system", "VARCHAR"), ("ingested_at", TS),
    ],
    "touches": [
        ("touch_id", "VARCHAR"), ("contact_id", "VARCHAR"), ("account_id", "VARCHAR"),
        ("opportunity_id", "VARCHAR"), ("channel", "VARCHAR"), ("campaign", "VARCHAR"),
        ("touched_at", TS), ("ingested_at", TS),
    ],
    "subscriptions": [
        ("subscription_id", "VARCHAR"), ("account_id", "VARCHAR"), ("opportunity_id", "VARCHAR"),
        ("started_on", "DATE"), ("term_months", "INTEGER"), ("arr", "DOUBLE"),
        ("ingested_at", TS),
    ],
    "subscription_changes": [
        ("change_id", "VARCHAR"), ("subscription_id", "VARCHAR"), ("account_id", "VARCHAR"),
        ("change_type", "VARCHAR"), ("effective_on", "DATE"), ("arr_change", "DOUBLE"),
        ("ingested_at", TS),
    ],
    "account_health": [
        ("flag_id", "VARCHAR"), ("account_id", "VARCHAR"), ("flagged_on", "DATE"),
        ("status", "VARCHAR"), ("reason", "VARCHAR"), ("ingested_at", TS),
    ],
}  # fmt: skip


def test_every_table_has_its_documented_schema(small: Path) -> None:
    con = connect(small)
    assert set(SCHEMAS) == set(TABLES)
    for table, columns in SCHEMAS.items():
        described = [(r[0], r[1]) for r in con.execute(f"describe {table}").fetchall()]
        assert described == columns, table


def test_report_counts_match_the_files_for_every_table(small: Path) -> None:
    con = connect(small)
    rep = report(small)
    assert set(rep["tables"]) == set(TABLES)
    for table in TABLES:
        key, _, defects = RULES[table]
        counts = rep["tables"][table]
        assert counts["rows"] == scalar(con, f"select count(*) from {table}") == rep["rows"][table]
        # each injected row has exactly one defect: the classes do not overlap
        for name, condition in defects:
            others = " or ".join(f"coalesce({c}, false)" for n, c in defects if n != name)
            found = scalar(con, f"select count(*) from {table} where coalesce({condition}, false)")
            overlap = scalar(
                con,
                f"select count(*) from {table} where coalesce({condition}, false) and ({others})",
            )
            assert overlap == 0, (table, name)
            assert counts["injected"][name] == found > 0, (table, name)
        rows, distinct = con.execute(
            f"select count(*), count(distinct {key}) from {table} where not ({any_defect(table)})"
        ).fetchone()
        assert counts["injected"]["duplicate"] == rows - distinct > 0, table
        assert (
            counts["valid_rows"] == distinct == scalar(con, f"select count(*) from clean_{table}")
        )
        assert set(counts["injected"]) == {"duplicate", *(name for name, _ in defects)}
    assert rep["valid_events"] == rep["tables"]["funnel_events"]["valid_rows"]
    assert rep["injected"] == rep["tables"]["funnel_events"]["injected"]
    by_type = dict(
        con.execute("select event_type, count(*) from clean_funnel_events group by 1").fetchall()
    )
    assert rep["events_by_type"] == {t: by_type.get(t, 0) for t in rep["events_by_type"]}
    assert rep["seed"] == 42 and rep["events_requested"] == 100_000


def test_duplicates_are_resent_copies_with_a_later_ingested_at(small: Path) -> None:
    con = connect(small)
    for table in TABLES:
        key = RULES[table][0]
        columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        content = ", ".join(c for c in columns if c != "ingested_at")
        # a re-send lands 1 to 72 hours later; tables without a load time re-send a copy
        hours = (
            "epoch(max(ingested_at) - min(ingested_at)) / 3600" if "ingested_at" in columns else "1"
        )
        groups = con.execute(
            f"""
            select count(*), count(distinct ({content})), {hours}
            from {table}
            where not ({any_defect(table)})
            group by {key}
            having count(*) > 1
            """
        ).fetchall()
        assert len(groups) == report(small)["tables"][table]["injected"]["duplicate"], table
        assert {(copies, variants) for copies, variants, _ in groups} == {(2, 1)}, table
        assert all(1 <= hours <= 73 for _, _, hours in groups), table

"""Raw data that diverges from what is staged where counts cannot see it (issue 25, findings
1 to 3), and a run killed mid-way, on DuckDB and PostgreSQL.

One raw history, three batches, each a folder of the raw tables (files copied with their
times, so a file that did not change keeps its fingerprint):

1. the demo's events, and ids made of other white space than spaces (tab, newline, no-break
   space, zero-width space) or padded with it;
2. a late correction of an old event (its amount doubled, landed a minute after the original:
   older than any lookback) while another old raw row disappears, in the same batch: raw and
   staged counts still match, so only a fingerprint finds them;
3. an old raw row edited in place (the same count again), and a run of dbt killed while it
   stages that batch, then run again.

Each engine builds the batches incrementally and once more from scratch: every staged
relation and the daily aggregate must be equal, the correction and the edit applied, the
deleted row gone. Both engines then build the trees from the same raw data: the trees must be
equal, row for row, on both engines (the white-space ids used to merge events on one engine
and not on the other).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from harness import REPO_ROOT, SMALL_TREES, Engine, load_script, make_engine
from test_incremental_staging import same_rows, snapshot

LOAD_TIME = "2026-11-20 00:00:00"
VARS = ["--vars", json.dumps({"kpi_load_time": LOAD_TIME, **SMALL_TREES})]
STAGED = ["+int_funnel_events_aggregated_daily", "stg_marketing__funnel_events_rejected"]
COMPARED = [
    ("staging", "stg_marketing__funnel_events"),
    ("staging", "stg_marketing__funnel_events_rejected"),
    ("intermediate", "int_funnel_events_aggregated_daily"),
]
EVENTS = "funnel_events"
# ids that are nothing but white space of other kinds than the space: missing, every one
BLANK_IDS = ["\t", "\n", "\u00a0", "\u200b", "\r\n\u2003", "\ufeff"]


def read_events(path: Path) -> list[dict[str, Any]]:
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        relation = connection.sql(f"select * from read_parquet('{path}') order by event_id")
        return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def write_events(path: Path, rows: list[dict[str, Any]], like: Path) -> None:
    """Rows as a parquet file with the schema of the file `like`."""
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute(f"create table events as select * from read_parquet('{like}') limit 0")
        names = [row[0] for row in connection.execute("describe events").fetchall()]
        for row in rows:
            connection.execute(
                f"insert into events values ({', '.join('?' for _ in names)})",
                [row.get(name) for name in names],
            )
        connection.execute(f"copy events to '{path}' (format parquet)")


def next_batch(previous: Path, folder: Path) -> Path:
    """A copy of a batch folder, files keeping their modification times."""
    shutil.copytree(previous, folder, copy_function=shutil.copy2)
    return folder / EVENTS


def write_batches(raw_dir: Path, root: Path) -> tuple[list[Path], dict[str, Any]]:
    demo_file = raw_dir / EVENTS / "part-0000.parquet"
    events = read_events(demo_file)
    valid = [
        event
        for event in events
        if event["event_id"] and event["amount"] and event["amount"] > 0
        and event["event_type"] == "opportunity_created" and event["currency"] == "USD"
        and event["ingested_at"].year == 2025
    ]  # fmt: skip
    once = {event["event_id"] for event in events}
    corrected, deleted, edited = valid[0], valid[1], valid[2]
    assert len(once) > 1000 and corrected["event_id"] != deleted["event_id"]
    template = valid[3]

    batch_1 = next_batch(raw_dir, root / "batch_1")
    white_space = [
        {**template, "event_id": blank, "ingested_at": template["ingested_at"]}
        for blank in BLANK_IDS
    ]
    padded = {**template, "event_id": " \u00a0ws_evt_1\u200b", "account_id": template["account_id"]}
    resent = {
        **padded,
        "event_id": "WS_EVT_1\t",
        "account_id": f"\u2003{template['account_id']}\n",
        "ingested_at": template["ingested_at"].replace(year=2026),
        "amount": 777.0,
    }
    write_events(
        batch_1 / "part-0001-white-space.parquet", [*white_space, padded, resent], demo_file
    )

    batch_2 = next_batch(batch_1.parent, root / "batch_2")
    correction = {
        **corrected,
        "amount": corrected["amount"] * 2,
        "ingested_at": corrected["ingested_at"] + timedelta(minutes=1),
    }
    remaining = [event for event in events if event is not deleted]
    write_events(batch_2 / "part-0000.parquet", remaining, demo_file)
    write_events(batch_2 / "part-0002-correction.parquet", [correction], demo_file)

    batch_3 = next_batch(batch_2.parent, root / "batch_3")
    edited_rows = [
        {**event, "amount": event["amount"] + 1000.0} if event is edited else event
        for event in remaining
    ]
    write_events(batch_3 / "part-0000.parquet", edited_rows, demo_file)
    facts = {"corrected": correction, "deleted": deleted, "edited": edited}
    return [batch_1.parent, batch_2.parent, batch_3.parent], facts


def killed_build(engine: Engine, started_marker: str) -> None:
    """`dbt build` in a subprocess, killed (SIGKILL) once its log shows the marker."""
    target = engine.workdir / "killed-target"
    log = target / "logs" / "dbt.log"
    env = {**os.environ, **engine.env, "DBT_PROFILES_DIR": str(REPO_ROOT)}
    env["DBT_LOG_PATH"] = str(target / "logs")
    command = [
        str(Path(sys.executable).parent / "dbt"), "build", "--select", *STAGED, *VARS,
        "--project-dir", str(REPO_ROOT), "--target-path", str(target),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and started_marker in log.read_text(errors="replace"):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def staged_event(engine: Engine, event_id: str) -> list[tuple[Any, ...]]:
    return engine.query(
        "select event_id, amount_usd, version_count from "
        f"{engine.relation('staging', 'stg_marketing__funnel_events')} "
        f"where event_id = '{event_id}'"
    )


def test_raw_divergence_is_found_and_trees_agree_on_both_engines(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "3000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    batches, facts = write_batches(raw_dir, tmp_path / "batches")
    trees: dict[str, list[tuple[Any, ...]]] = {}
    for engine_name in ("duckdb", "postgres"):
        incremental = make_engine(engine_name, tmp_path / f"{engine_name}-incremental")
        full = make_engine(engine_name, tmp_path / f"{engine_name}-full")
        try:
            for index, batch in enumerate(batches):
                incremental.load_raw(batch)
                if index == len(batches) - 1:
                    # killed while it stages the last batch, then run again
                    killed_build(incremental, "base_marketing__funnel_events")
                incremental.dbt(["build", "--select", *STAGED, *VARS])
            full.load_raw(batches[-1])
            full.dbt(["build", "--full-refresh", "--select", *STAGED, "+kpi_tree", *VARS])

            for layer, model in COMPARED:
                assert same_rows(
                    snapshot(incremental, layer, model), snapshot(full, layer, model)
                ), f"{engine_name}: {model}"
            for engine in (incremental, full):
                corrected, deleted, edited = (
                    facts["corrected"], facts["deleted"], facts["edited"]
                )  # fmt: skip
                assert [float(row[1]) for row in staged_event(engine, corrected["event_id"])] == [
                    corrected["amount"]
                ]
                assert staged_event(engine, deleted["event_id"]) == []
                assert [float(row[1]) for row in staged_event(engine, edited["event_id"])] == [
                    edited["amount"] + 1000.0
                ]
                # padded ids are one event (two versions); blank ids are missing
                assert [
                    (float(amount), versions)
                    for _, amount, versions in staged_event(engine, "ws_evt_1")
                ] == [(777.0, 2)]
                blank = engine.query(
                    "select count(*) from "
                    f"{engine.relation('staging', 'stg_marketing__funnel_events_rejected')} "
                    "where rejection_reason = 'missing_event_id'"
                )[0][0]
                assert blank >= len(BLANK_IDS)
                # raw and staged reconcile (the deleted row is not staged, nothing counted twice)
                live = engine.query(
                    "select count(*) from "
                    f"{engine.relation('staging', 'base_marketing__funnel_events')} "
                    "where retracted_at is null"
                )[0][0]
                raw_rows = sum(len(read_events(path)) for path in (batches[-1] / EVENTS).glob("*"))
                assert live == raw_rows
            # the incremental side kept what it retracted: the deleted and both replaced rows
            retracted = incremental.query(
                "select event_id from "
                f"{incremental.relation('staging', 'base_marketing__funnel_events')} "
                "where retracted_at is not null order by 1"
            )
            assert sorted(row[0] for row in retracted) == sorted(
                [facts["deleted"]["event_id"], facts["edited"]["event_id"]]
            )
            trees[engine_name] = snapshot(full, "marts", "kpi_tree")
        finally:
            incremental.drop_schemas()
            full.drop_schemas()
    assert len(trees["duckdb"]) > 1000
    assert same_rows(trees["duckdb"], trees["postgres"])

"""The incremental day of the benchmark: the funnel events of the last ingestion day, held
back from the generated data until the full build is done."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return row[0]


def hold_back_last_day(raw_dir: Path, held_dir: Path) -> int:
    """Move the funnel events ingested from the start of the last day with events (a day
    of new events, and the tail of late ingestions) into held_dir; returns their count."""
    events = raw_dir / "funnel_events"
    source = held_dir / "all.parquet"
    held_dir.mkdir(parents=True)
    shutil.move(str(events / "part-0000.parquet"), source)
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        last_day = scalar(
            connection, f"select max(cast(occurred_at as date)) from read_parquet('{source}')"
        )
        before = f"cast(ingested_at as date) < date '{last_day}' or ingested_at is null"
        connection.execute(
            f"copy (select * from read_parquet('{source}') where {before}) "
            f"to '{events / 'part-0000.parquet'}' (format parquet, compression zstd)"
        )
        connection.execute(
            f"copy (select * from read_parquet('{source}') where not ({before})) "
            f"to '{held_dir / 'part-0001.parquet'}' (format parquet, compression zstd)"
        )
        count = scalar(
            connection, f"select count(*) from read_parquet('{held_dir / 'part-0001.parquet'}')"
        )
    source.unlink()
    return int(count)

"""Tests for scripts/load_raw_to_postgres.py against a real PostgreSQL server.

The server comes from KPI_PG_HOST / KPI_PG_PORT / KPI_PG_USER / DBT_ENV_SECRET_PG_PASSWORD /
KPI_PG_DATABASE (defaults 127.0.0.1, 5432, kpi, kpi, kpi_tree). When it is unreachable the
tests fail: `make test` starts one when none is configured.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import psycopg2
import pytest
from kpitree.raw_tables import RAW_TABLES
from psycopg2 import sql

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
TABLES = RAW_TABLES


def load_script(path: Path) -> ModuleType:
    """Import a script from scripts/ (not a package) by its path."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


loader = load_script(SCRIPTS / "load_raw_to_postgres.py")
generator = load_script(SCRIPTS / "generate_demo_data.py")


def pg_connect() -> Any:
    settings = {
        "host": os.environ.get("KPI_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("KPI_PG_PORT", "5432")),
        "user": os.environ.get("KPI_PG_USER", "kpi"),
        "password": os.environ.get("DBT_ENV_SECRET_PG_PASSWORD", "kpi"),
        "dbname": os.environ.get("KPI_PG_DATABASE", "kpi_tree"),
    }
    try:
        return psycopg2.connect(connect_timeout=5, **settings)
    except psycopg2.OperationalError as error:
        shown = {k: v for k, v in settings.items() if k != "password"}
        pytest.fail(
            f"PostgreSQL is not reachable with {shown} (set KPI_PG_* to point at a server): "
            f"{error}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    con = pg_connect()
    con.autocommit = True
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def schema(pg: Any) -> Iterator[str]:
    """A unique throwaway schema, dropped afterwards."""
    name = f"test_raw_{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        with pg.cursor() as cursor:
            cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    assert generator.main(["--events", "20000", "--output-dir", str(out), "--quiet"]) == 0
    return out


def query(pg: Any, statement: str) -> list[tuple[Any, ...]]:
    with pg.cursor() as cursor:
        cursor.execute(statement)
        return list(cursor.fetchall())


def parquet(raw: Path, table: str) -> str:
    return f"read_parquet('{raw}/{table}/*.parquet')"


def columns(raw: Path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect() as con:
        return [
            (r[0], r[1])
            for r in con.execute(f"describe select * from {parquet(raw, table)}").fetchall()
        ]


def duck_profile(raw: Path, table: str) -> dict[str, Any]:
    """Row count, NULLs and empty strings per column, epoch-microsecond sums of timestamps."""
    cols = columns(raw, table)
    parts = ["count(*)"]
    for name, kind in cols:
        parts.append(f'count(*) - count("{name}")')
        if kind == "VARCHAR":
            parts.append(f"count(*) filter (where \"{name}\" = '')")
        if kind.startswith("TIMESTAMP"):
            parts.append(f'sum(epoch_us("{name}"))')
    with duckdb.connect() as con:
        row = con.execute(f"select {', '.join(parts)} from {parquet(raw, table)}").fetchone()
    assert row is not None
    return {"values": [int(v) if v is not None else None for v in row]}


def pg_profile(pg: Any, schema: str, table: str, raw: Path) -> dict[str, Any]:
    cols = columns(raw, table)
    parts = ["count(*)"]
    for name, kind in cols:
        parts.append(f'count(*) - count("{name}")')
        if kind == "VARCHAR":
            parts.append(f"count(*) filter (where \"{name}\" = '')")
        if kind.startswith("TIMESTAMP"):
            parts.append(f'sum((extract(epoch from "{name}") * 1000000)::bigint)')
    row = query(pg, f'select {", ".join(parts)} from "{schema}"."{table}"')[0]
    return {"values": [int(v) if v is not None else None for v in row]}


def test_load_replace_round_trips_counts_nulls_and_timestamps(
    pg: Any, schema: str, raw: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert loader.main(["--input-dir", str(raw), "--schema", schema]) == 0
    printed = capsys.readouterr().out
    for table in TABLES:
        assert pg_profile(pg, schema, table, raw) == duck_profile(raw, table), table
        rows = duck_profile(raw, table)["values"][0]
        assert f"{schema}.{table}: {rows} rows" in printed
    # Column types follow the parquet schema.
    types = dict(
        query(
            pg,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = 'funnel_events'",
        )
    )
    assert types["event_id"] == "text"
    assert types["occurred_at"] == "timestamp with time zone"
    assert types["amount"] == "double precision"
    bools = query(
        pg,
        "select data_type from information_schema.columns "
        f"where table_schema = '{schema}' and column_name in ('is_target_account', 'spend_date')"
        " order by column_name",
    )
    assert bools == [("boolean",), ("date",)]
    # Doubles and timestamps are exact, row by row.
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        expected = con.execute(
            f"select amount from {parquet(raw, 'funnel_events')} "
            "where amount is not null order by amount"
        ).fetchall()
        first = con.execute(
            f"select min(occurred_at), max(ingested_at) from {parquet(raw, 'funnel_events')}"
        ).fetchone()
    loaded = query(
        pg,
        f'select amount from "{schema}".funnel_events where amount is not null order by amount',
    )
    assert loaded == expected
    assert query(
        pg, f'select min(occurred_at), max(ingested_at) from "{schema}".funnel_events'
    ) == [first]


def test_append_doubles_the_rows(pg: Any, schema: str, raw: Path) -> None:
    assert loader.main(["--input-dir", str(raw), "--schema", schema, "--mode", "append"]) == 0
    once = {t: query(pg, f'select count(*) from "{schema}"."{t}"')[0][0] for t in TABLES}
    assert loader.main(["--input-dir", str(raw), "--schema", schema, "--mode", "append"]) == 0
    for table in TABLES:
        assert query(pg, f'select count(*) from "{schema}"."{table}"')[0][0] == 2 * once[table]
    assert loader.main(["--input-dir", str(raw), "--schema", schema, "--mode", "replace"]) == 0
    for table in TABLES:
        assert query(pg, f'select count(*) from "{schema}"."{table}"')[0][0] == once[table]


def test_replace_keeps_the_views_built_on_raw_tables(pg: Any, schema: str, raw: Path) -> None:
    """dbt's staging views read the raw tables: reloading must not need to drop them."""
    assert loader.main(["--input-dir", str(raw), "--schema", schema]) == 0
    query_count = f'select count(*) from "{schema}".accounts_view'
    with pg.cursor() as cursor:
        cursor.execute(f'create view "{schema}".accounts_view as select * from "{schema}".accounts')
        cursor.execute(f"insert into \"{schema}\".accounts (account_id) values ('extra')")
    before = query(pg, query_count)[0][0]

    assert loader.main(["--input-dir", str(raw), "--schema", schema]) == 0

    assert query(pg, query_count)[0][0] == before - 1 == duck_profile(raw, "accounts")["values"][0]


def test_new_column_types_load_as_their_postgres_types(pg: Any, schema: str, raw: Path) -> None:
    assert loader.main(["--input-dir", str(raw), "--schema", schema]) == 0
    types = dict(
        query(
            pg,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = 'subscriptions'",
        )
    )
    assert types["started_on"] == "date"
    assert types["term_months"] == "integer"
    assert types["arr"] == "double precision"


def test_default_loads_every_table_present(pg: Any, schema: str, raw: Path, tmp_path: Path) -> None:
    """A folder with only some raw tables (an older generator's) loads those, no flag needed."""
    import shutil

    for table in ("funnel_events", "ad_spend", "accounts"):
        shutil.copytree(raw / table, tmp_path / table)
    assert loader.main(["--input-dir", str(tmp_path), "--schema", schema]) == 0
    loaded = query(
        pg,
        f"select table_name from information_schema.tables where table_schema = '{schema}' "
        "order by 1",
    )
    assert loaded == [("accounts",), ("ad_spend",), ("funnel_events",)]


def test_tables_option_loads_only_those(pg: Any, schema: str, raw: Path) -> None:
    assert loader.main(["--input-dir", str(raw), "--schema", schema, "--tables", "accounts"]) == 0
    loaded = query(
        pg, f"select table_name from information_schema.tables where table_schema = '{schema}'"
    )
    assert loaded == [("accounts",)]


def test_empty_strings_nulls_and_awkward_text_survive(pg: Any, schema: str, tmp_path: Path) -> None:
    (tmp_path / "accounts").mkdir()
    target = tmp_path / "accounts" / "part-0000.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * from (values
                    ('a', '', true, 'na'),
                    ('b', null, false, null),
                    ('c', 'NULL', null, '\\N'),
                    ('d', 'say "hi", then
leave', true, 'ünïcødé')
                ) as t(account_id, segment, is_target_account, region)
            ) to '{target}' (format parquet)
            """
        )
    assert (
        loader.main(["--input-dir", str(tmp_path), "--schema", schema, "--tables", "accounts"]) == 0
    )
    rows = query(pg, f'select * from "{schema}".accounts order by account_id')
    assert rows == [
        ("a", "", True, "na"),
        ("b", None, False, None),
        ("c", "NULL", None, "\\N"),
        ("d", 'say "hi", then\nleave', True, "ünïcødé"),
    ]


def test_missing_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert loader.main(["--input-dir", str(tmp_path / "nothing"), "--schema", "unused"]) == 2
    assert "no parquet files" in capsys.readouterr().err


def test_database_error_exits_1_with_the_cause(
    raw: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_connect().close()  # the server itself must be up, so the failure is the database name
    monkeypatch.setenv("KPI_PG_DATABASE", f"no_such_db_{uuid.uuid4().hex[:8]}")
    assert loader.main(["--input-dir", str(raw), "--schema", "unused"]) == 1
    err = capsys.readouterr().err
    assert "failed" in err and "no_such_db_" in err

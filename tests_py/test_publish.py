"""Publishing the DuckDB build for dashboards (scripts/publish_duckdb.py, `make publish`): a
copy under another name, in another folder, read from another working directory, serves
every metric view and every mart with the build's numbers; the copy replaces the previous
one atomically; a name that would shadow a schema, or a build being written, publishes
nothing."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb
import pytest
from harness import Engine
from kpitree import publish

RELATIONS = """
select schema_name, table_name, 'table' from duckdb_tables()
where database_name = current_database() and schema_name like '%_marts'
union all
select schema_name, view_name, 'view' from duckdb_views()
where database_name = current_database() and schema_name like '%_metrics'
order by 1, 2
"""


@pytest.fixture(scope="module")
def duckdb_build(built_engines: dict[str, Engine]) -> Path:
    return Path(built_engines["duckdb"].env["KPI_DUCKDB_PATH"])


def run_publish(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = publish.main(list(args))
    return code, stdout.getvalue(), stderr.getvalue()


def counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        relations = connection.sql(RELATIONS).fetchall()
        return {
            f"{schema}.{name}": connection.sql(
                f'select count(*) from "{schema}"."{name}"'
            ).fetchone()[0]
            for schema, name, _ in relations
        }


def test_a_copy_under_another_name_serves_every_metric_view_and_mart(
    duckdb_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = tmp_path / "bi share" / "dashboards.duckdb"
    code, stdout, stderr = run_publish(
        "--source", str(duckdb_build), "--destination", str(destination)
    )
    assert code == 0, stderr
    assert "staging view(s) that read the raw files" in stdout
    assert sorted(path.name for path in destination.parent.iterdir()) == ["dashboards.duckdb"]
    expected = counts(duckdb_build)
    assert sum(name.split(".")[0].endswith("_metrics") for name in expected) >= 19
    assert sum(name.split(".")[0].endswith("_marts") for name in expected) >= 9
    monkeypatch.chdir(tmp_path)  # a dashboard runs elsewhere: nothing may depend on the cwd
    assert counts(destination) == expected
    with duckdb.connect(str(destination), read_only=True) as connection:
        catalog = duckdb_build.stem
        view_sql = connection.sql(
            "select view_name, sql from duckdb_views() where not internal"
        ).fetchall()
        assert [name for name, sql in view_sql if f"{catalog}." in sql.lower()] == []
        assert connection.sql("select current_database()").fetchone() == ("dashboards",)
        # every relation left in the copy reads, staging tables included
        for schema, name in publish.relations(connection):
            connection.sql(f'select * from "{schema}"."{name}" limit 1').fetchall()
    # attached under an alias beside another database, the views still resolve
    with duckdb.connect() as connection:
        connection.execute(f"attach '{destination}' as bi (read_only)")
        schema = next(name for name in expected if ".meeting_held_rate" in name).split(".")[0]
        rows = connection.sql(f"select count(*) from bi.{schema}.meeting_held_rate").fetchone()
        assert rows == (expected[f"{schema}.meeting_held_rate"],)


def test_publish_replaces_the_previous_copy_atomically(duckdb_build: Path, tmp_path: Path) -> None:
    destination = tmp_path / "published.duckdb"
    assert run_publish("--source", str(duckdb_build), "--destination", str(destination))[0] == 0
    reader = duckdb.connect(str(destination), read_only=True)  # a dashboard reading it
    try:
        before = reader.sql("select count(*) from duckdb_tables()").fetchone()
        code, _, stderr = run_publish(
            "--source", str(duckdb_build), "--destination", str(destination), "--quiet"
        )
        assert code == 0, stderr
        # the open reader keeps the file it opened; the next one opens the new file
        assert reader.sql("select count(*) from duckdb_tables()").fetchone() == before
    finally:
        reader.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["published.duckdb"]


def test_a_name_that_shadows_a_schema_publishes_nothing(duckdb_build: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(duckdb_build), read_only=True) as connection:
        marts = connection.sql(
            "select schema_name from duckdb_schemas() where schema_name like '%_marts'"
        ).fetchone()[0]
    destination = tmp_path / f"{marts}.duckdb"
    code, _, stderr = run_publish("--source", str(duckdb_build), "--destination", str(destination))
    assert code == 2
    assert "shadows a schema" in stderr and "choose another file name" in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_build_being_written_publishes_nothing(tmp_path: Path) -> None:
    building = tmp_path / "building.duckdb"
    duckdb.connect(str(building)).close()
    writer = subprocess.Popen(
        [
            sys.executable, "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)", str(building),
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        started = time.monotonic()
        code, _, stderr = run_publish(
            "--source", str(building), "--destination", str(tmp_path / "out" / "bi.duckdb")
        )
        assert code == 2
        assert "a dbt build is writing it" in stderr
        assert time.monotonic() - started < 30
    finally:
        writer.kill()
        writer.wait()
    assert not (tmp_path / "out" / "bi.duckdb").exists()


def test_a_missing_build_publishes_nothing(tmp_path: Path) -> None:
    code, _, stderr = run_publish(
        "--source", str(tmp_path / "none.duckdb"), "--destination", str(tmp_path / "bi.duckdb")
    )
    assert code == 2 and "build the project first" in stderr

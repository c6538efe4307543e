"""Publish the DuckDB build for dashboards: a copy that reads under any name, in any folder.

    python scripts/publish_duckdb.py                                   # target/published/
    python scripts/publish_duckdb.py --destination /srv/bi/kpi_tree.duckdb

A DuckDB file has one writer, and a dashboard holding the build's own file open blocks the
next `dbt build`. So dashboards read a copy, published when a build has succeeded:

1. The build is opened read-only: this fails while a build writes it, and, while open, keeps
   the next build from starting, so the copy is of one finished build.
2. It is copied (with its write-ahead log, if any) beside the destination, under a temporary
   name.
3. In the copy, the views that read files outside the database are dropped: on DuckDB the
   sources are parquet files that staging reads in place, at a path relative to where dbt
   ran; nothing a dashboard reads depends on them (the staged tables stay). Every other view
   reads only tables inside the file, under no catalog name (macros/cross_database/
   portable_views.sql), so it works whatever the file is called.
4. Every remaining view and table is read once, under the temporary name: a view that still
   named the build's catalog, or read a file, would fail here, and nothing is published.
5. The copy is checkpointed, flushed to disk and renamed over the destination: readers see
   the old file or the new one, never a partial one (a rename within one folder is atomic).

Exit codes: 0 published; 2 nothing published (the build is missing or being written, the
destination's name would shadow a schema, a relation does not read).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROG = "publish_duckdb"
FILE_READERS = re.compile(
    r"\b(read_(parquet|csv|csv_auto|json|json_auto|json_objects|ndjson|text|blob|xlsx)"
    r"|parquet_scan|sniff_csv|glob)\s*\(",
    re.IGNORECASE,
)


class PublishError(Exception):
    """Nothing was published; the message says why."""


@dataclass(frozen=True)
class Published:
    path: Path
    dropped_views: list[str]
    checked: int


def default_source() -> Path:
    return Path(os.environ.get("KPI_DUCKDB_PATH", "target/kpi_tree.duckdb"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="the build (default: KPI_DUCKDB_PATH, or target/kpi_tree.duckdb)",
    )
    parser.add_argument(
        "--destination",
        type=Path,
        default=Path("target/published/kpi_tree.duckdb"),
        help="the published file (default: target/published/kpi_tree.duckdb)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser


def quoted(*names: str) -> str:
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise PublishError(f"{path} does not exist: build the project first (`dbt build`)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise PublishError(
            f"{path} cannot be opened read-only, most likely because a dbt build is writing "
            f"it; publish when the build has finished ({str(error).splitlines()[0]})"
        ) from None


def schema_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.sql(
        "select schema_name from duckdb_schemas() where database_name = current_database()"
    ).fetchall()
    return {str(name) for (name,) in rows}


def check_destination_name(destination: Path, schemas: set[str]) -> None:
    """A file's catalog is named after it; a catalog named like a schema makes every
    schema-qualified name in the views ambiguous."""
    catalog = destination.name.split(".")[0]
    if catalog in schemas or catalog in {"main", "memory", "system", "temp"}:
        raise PublishError(
            f"a database file named {destination.name} would be the catalog {catalog!r}, which "
            "shadows a schema of the same name inside it; choose another file name"
        )


def views_reading_files(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Views that read files outside the database, directly or through such views."""
    views = [
        (str(schema), str(name), str(sql))
        for schema, name, sql in connection.sql(
            "select schema_name, view_name, sql from duckdb_views() "
            "where not internal and database_name = current_database()"
        ).fetchall()
    ]
    reading = {(schema, name) for schema, name, sql in views if FILE_READERS.search(sql)}
    while True:
        patterns = [
            re.compile(rf'\b"?{re.escape(schema)}"?\s*\.\s*"?{re.escape(name)}"?\b', re.IGNORECASE)
            for schema, name in reading
        ]
        more = {
            (schema, name)
            for schema, name, sql in views
            if (schema, name) not in reading and any(p.search(sql) for p in patterns)
        }
        if not more:
            return sorted(reading)
        reading |= more


def relations(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = connection.sql(
        "select schema_name, table_name from duckdb_tables() "
        "where not internal and database_name = current_database() "
        "union all "
        "select schema_name, view_name from duckdb_views() "
        "where not internal and database_name = current_database() "
        "order by 1, 2"
    ).fetchall()
    return [(str(schema), str(name)) for schema, name in rows]


def check_every_relation_reads(connection: duckdb.DuckDBPyConnection) -> int:
    failures = []
    checked = relations(connection)
    for schema, name in checked:
        try:
            connection.sql(f"select * from {quoted(schema, name)} limit 1").fetchall()
        except duckdb.Error as error:
            failures.append(f"{schema}.{name}: {str(error).splitlines()[0]}")
    if failures:
        raise PublishError(
            f"{len(failures)} relation(s) do not read in the copy, nothing published: "
            + "; ".join(failures[:5])
        )
    return len(checked)


def fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(source: Path, destination: Path) -> Published:
    # its own catalog name, so a view still naming the build's catalog fails the check
    staging = destination.parent / f"_publishing_{os.getpid()}_{destination.name}"
    staging_wal = staging.with_name(staging.name + ".wal")
    try:
        reader = open_read_only(source)
        try:
            check_destination_name(destination, schema_names(reader))
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, staging)
            source_wal = source.with_name(source.name + ".wal")
            if source_wal.exists():
                shutil.copyfile(source_wal, staging_wal)
        finally:
            reader.close()
        with duckdb.connect(str(staging)) as copy:
            dropped = views_reading_files(copy)
            for schema, name in dropped:
                copy.execute(f"drop view {quoted(schema, name)}")
            copy.execute("checkpoint")
        with duckdb.connect(str(staging), read_only=True) as copy:
            checked = check_every_relation_reads(copy)
        fsync(staging)
        os.replace(staging, destination)
        fsync(destination.parent)
    finally:
        for leftover in (staging, staging_wal):
            leftover.unlink(missing_ok=True)
    return Published(destination, [f"{s}.{n}" for s, n in dropped], checked)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    source = args.source or default_source()
    try:
        published = publish(source, args.destination)
    except PublishError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(
            f"published {source} to {published.path}: {published.checked} tables and views, "
            f"each read once under the new name; left out {len(published.dropped_views)} "
            f"staging view(s) that read the raw files ({', '.join(published.dropped_views)})"
        )
    return 0

"""Load the raw parquet tables into PostgreSQL (entry point: scripts/load_raw_to_postgres.py).

DuckDB reads DIR/<table>/*.parquet and writes them as CSV to a temporary file, which psycopg2
streams into PostgreSQL with COPY ... FROM STDIN. The PostgreSQL columns are derived from the
parquet schema (varchar -> text, timestamptz -> timestamptz, double -> double precision,
date -> date, boolean -> boolean, ...; structs and lists, such as GA4's event_params, ->
jsonb). All tables load in one transaction: on any error nothing changes.

Usage:

    python scripts/load_raw_to_postgres.py                          # every table in data/raw
    python scripts/load_raw_to_postgres.py --input-dir /tmp/raw --schema raw_test --mode append
    python scripts/load_raw_to_postgres.py --tables accounts ad_spend
    python scripts/load_raw_to_postgres.py --input-dir /tmp/raw --crm salesforce  # -> salesforce

Connection from the environment: KPI_PG_HOST (127.0.0.1), KPI_PG_PORT (5432), KPI_PG_USER
(kpi), DBT_ENV_SECRET_PG_PASSWORD (kpi), KPI_PG_DATABASE (kpi_tree).

Without --tables, every raw table (kpitree.raw_tables.RAW_TABLES) that has parquet files under
the input folder is loaded; tables without files are skipped, so a folder written by an older
generator (funnel_events, ad_spend, accounts only) still loads.

With --crm, a connector's tables as `generate_demo_data.py --crm` / `--ads` writes them
(DIR/<crm>/<table>/, DIR/google_ads/<table>/, ...) load instead, each folder a table, into
--schema (default the folder's name, where the connector reads them: var salesforce_schema,
hubspot_schema, google_ads_schema, ...).

Exit codes: 0 loaded, 1 database error (or a column type with no PostgreSQL mapping), 2 no
parquet files for a table named with --tables, or for no table at all.

NULL handling: DuckDB quotes every non-NULL value (FORCE_QUOTE *) and writes NULL as an
unquoted empty field; PostgreSQL's CSV COPY reads an unquoted empty field as NULL and a quoted
one ("") as the empty string, so NULLs and empty strings both survive. Timestamps are written
in UTC with microseconds.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from kpitree.raw_tables import RAW_TABLES

TABLES: tuple[str, ...] = RAW_TABLES

# DuckDB type (as DESCRIBE prints it) -> PostgreSQL type.
POSTGRES_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIMESTAMP": "timestamp without time zone",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
}
DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class LoadError(Exception):
    """A problem reported to the user with exit code 1."""


@dataclass(frozen=True)
class Column:
    name: str
    postgres_type: str


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_environment(cls) -> Connection:
        return cls(
            host=os.environ.get("KPI_PG_HOST", "127.0.0.1"),
            port=int(os.environ.get("KPI_PG_PORT", "5432")),
            user=os.environ.get("KPI_PG_USER", "kpi"),
            password=os.environ.get("DBT_ENV_SECRET_PG_PASSWORD", "kpi"),
            database=os.environ.get("KPI_PG_DATABASE", "kpi_tree"),
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load raw parquet tables into PostgreSQL (connection from KPI_PG_* "
        "environment variables).",
    )
    parser.add_argument(
        "--input-dir",
        type=Path,
        default=Path("data/raw"),
        help="folder with one sub-folder of parquet files per table (default data/raw)",
    )
    parser.add_argument("--schema", help="target schema (default raw, or the CRM's name)")
    parser.add_argument(
        "--mode",
        choices=("replace", "append"),
        default="replace",
        help=(
            "replace: empty the tables (recreated when their columns changed) and load; "
            "append: insert, creating missing tables"
        ),
    )
    parser.add_argument(
        "--crm",
        help="load a connector's tables instead (a CRM or an ad platform: salesforce, "
        "google_ads, ...): every table folder under INPUT_DIR/<name>/ (as "
        "generate_demo_data.py --crm / --ads writes them) into --schema (default: the name)",
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        choices=TABLES,
        default=None,
        help="tables to load (default: every raw table with parquet files in --input-dir)",
    )
    return parser.parse_args(argv)


def parquet_files(input_dir: Path, table: str) -> list[Path]:
    return sorted((input_dir / table).glob("*.parquet"))


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_list_sql(files: list[Path]) -> str:
    return "read_parquet([" + ", ".join(sql_literal(str(f)) for f in files) + "])"


def is_nested(duckdb_type: str) -> bool:
    """A struct, list or map column (GA4's event_params): loaded as JSON."""
    return duckdb_type.endswith("[]") or duckdb_type.startswith(("STRUCT(", "MAP("))


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type in POSTGRES_TYPES:
        return POSTGRES_TYPES[duckdb_type]
    if is_nested(duckdb_type):
        return "jsonb"
    match = DECIMAL_TYPE.fullmatch(duckdb_type)
    if match:
        return f"numeric({match.group(1)},{match.group(2)})"
    raise LoadError(f"no PostgreSQL type for parquet column type {duckdb_type}")


def parquet_columns(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[Column]:
    described = con.execute(f"describe select * from {file_list_sql(files)}").fetchall()
    return [Column(name=row[0], postgres_type=postgres_type(row[1])) for row in described]


def existing_columns(cursor: psycopg2.extensions.cursor, schema: str, table: str) -> list[Column]:
    """The table's columns in order, as (name, PostgreSQL type); [] when it does not exist."""
    cursor.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_attribute as a "
        "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (sql.Identifier(schema, table).as_string(cursor),),
    )
    return [Column(name=name, postgres_type=kind) for name, kind in cursor.fetchall()]


def table_ddl(schema: str, table: str, columns: list[Column], if_not_exists: bool) -> sql.Composed:
    column_sql = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.postgres_type)) for c in columns
    )
    template = (
        "create table if not exists {}.{} ({})" if if_not_exists else "create table {}.{} ({})"
    )
    return sql.SQL(template).format(sql.Identifier(schema), sql.Identifier(table), column_sql)


def load_table(
    duck: duckdb.DuckDBPyConnection,
    cursor: psycopg2.extensions.cursor,
    schema: str,
    table: str,
    files: list[Path],
    mode: str,
    scratch: Path,
) -> int:
    """Ensure the table, empty it (replace), then COPY the files in. Returns rows loaded.

    Replace truncates rather than drops, so the views dbt built on the raw tables stay
    valid; only a table whose columns no longer match the files is dropped and recreated
    (PostgreSQL refuses while views depend on it, and says which).
    """
    columns = parquet_columns(duck, files)
    if mode == "replace" and existing_columns(cursor, schema, table) not in ([], columns):
        cursor.execute(
            sql.SQL("drop table {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
    cursor.execute(table_ddl(schema, table, columns, if_not_exists=True))
    if mode == "replace":
        cursor.execute(
            sql.SQL("truncate table {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
    csv_path = scratch / f"{table}.csv"
    # nested columns as JSON text, which PostgreSQL reads into jsonb
    select = ", ".join(
        f'to_json("{c.name}")' if c.postgres_type == "jsonb" else f'"{c.name}"' for c in columns
    )
    duck.execute(
        f"copy (select {select} from {file_list_sql(files)}) to {sql_literal(str(csv_path))} "
        "(format csv, header false, delimiter ',', quote '\"', escape '\"', nullstr '', "
        "force_quote *)"
    )
    copy = sql.SQL("copy {}.{} ({}) from stdin with (format csv, null '')").format(
        sql.Identifier(schema),
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
    )
    try:
        with csv_path.open("r", encoding="utf-8", newline="") as stream:
            cursor.copy_expert(copy.as_string(cursor), stream, size=1 << 20)
    finally:
        csv_path.unlink(missing_ok=True)
    loaded = int(cursor.rowcount)
    if any(column.name == "ingested_at" for column in columns):
        # incremental staging reads the rows ingested since its watermark (docs/staging.md)
        cursor.execute(
            sql.SQL("create index if not exists {} on {}.{} (ingested_at)").format(
                sql.Identifier(f"{table}_ingested_at"),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
        )
    return loaded


def load(
    input_dir: Path, schema: str, mode: str, tables: list[str], connection: Connection
) -> dict[str, int]:
    """Load the tables in one transaction; returns rows loaded per table."""
    files = {table: parquet_files(input_dir, table) for table in tables}
    loaded: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="kpi_load_") as scratch:
        duck = duckdb.connect()
        try:
            duck.execute("set timezone = 'UTC'")
            duck.execute(f"set temp_directory = {sql_literal(scratch)}")
            pg = psycopg2.connect(
                host=connection.host,
                port=connection.port,
                user=connection.user,
                password=connection.password,
                dbname=connection.database,
                connect_timeout=10,
                application_name="load_raw_to_postgres",
            )
            try:
                pg.set_client_encoding("UTF8")
                with pg, pg.cursor() as cursor:  # one transaction, rolled back on error
                    cursor.execute("set local timezone = 'UTC'")
                    cursor.execute(
                        sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                    )
                    for table in tables:
                        loaded[table] = load_table(
                            duck, cursor, schema, table, files[table], mode, Path(scratch)
                        )
            finally:
                pg.close()
        finally:
            duck.close()
    return loaded


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.crm:
        args.input_dir = args.input_dir / args.crm
        args.schema = args.schema or args.crm
        if args.tables is not None:
            print("error: --tables and --crm do not go together", file=sys.stderr)
            return 2
        args.tables = (
            sorted(
                folder.name
                for folder in args.input_dir.glob("*")
                if parquet_files(args.input_dir, folder.name)
            )
            or None
        )
    args.schema = args.schema or "raw"
    if args.tables is None:
        tables = [t for t in TABLES if parquet_files(args.input_dir, t)]
        missing = [] if tables else ["any raw table"]
    else:
        tables = list(dict.fromkeys(args.tables))
        missing = [t for t in tables if not parquet_files(args.input_dir, t)]
    if missing:
        print(
            f"error: no parquet files for {', '.join(missing)} in {args.input_dir} "
            f"(expected {args.input_dir}/<table>/*.parquet; run scripts/generate_demo_data.py)",
            file=sys.stderr,
        )
        return 2
    connection = Connection.from_environment()
    try:
        loaded = load(args.input_dir, args.schema, args.mode, tables, connection)
    except psycopg2.Error as error:
        cause = str(error).strip() or type(error).__name__
        print(
            f"error: loading into PostgreSQL {connection.describe()} failed: {cause}",
            file=sys.stderr,
        )
        return 1
    except (LoadError, duckdb.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for table, rows in loaded.items():
        print(f"{args.schema}.{table}: {rows} rows loaded ({args.mode})")
    return 0

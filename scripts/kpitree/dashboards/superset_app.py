"""Apache Superset with the project's dashboards, on 127.0.0.1. Runs in Superset's own
environment (.venv-superset, `make install-superset`), never in the project's.

    prepare   a metadata database with Superset's tables, roles and the admin login, once per
              install (a template: each `serve` starts from a copy of it, in seconds)
    serve     copy the template into --home, import the dashboards (bundle.py) for the
              databases given, and serve them until stopped (Ctrl-C, SIGTERM)

Superset's configuration is dashboards/superset_config.py (read through
SUPERSET_CONFIG_PATH): SQLite metadata in --home, no outside calls, the feature flags the
dashboards need.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sqlite3
import sys
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpitree.dashboards import bundle

REPO_ROOT = Path(__file__).resolve().parents[3]
CONFIG = REPO_ROOT / "dashboards" / "superset_config.py"
ADMIN = os.environ.get("KPI_SUPERSET_USER", "admin")
ADMIN_PASSWORD = os.environ.get("KPI_SUPERSET_PASSWORD", "admin")
PROG = "superset_dashboards"


def configure(home: Path) -> None:
    """Superset reads its configuration when imported: point it at ours, for this home."""
    home.mkdir(parents=True, exist_ok=True)
    key_file = home / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    os.environ["SUPERSET_CONFIG_PATH"] = str(CONFIG)
    os.environ["KPI_SUPERSET_HOME"] = str(home.resolve())
    os.environ["SUPERSET_SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()


def create_app() -> Any:
    from superset.app import create_app as superset_app

    return superset_app()


def allow_a_table_name_in_several_databases(metadata: Path) -> None:
    """Superset's migrations cannot drop an unnamed constraint on SQLite, so its `tables`
    keeps the first release's UNIQUE (table_name): two databases could not both have a
    dataset kpi_tree. Rebuild the (still empty) table with the unique key the model
    declares, (database_id, catalog, schema, table_name): SQLite's way to change a
    constraint, foreign keys off while the table is swapped."""
    with sqlite3.connect(metadata) as connection:
        (ddl,) = connection.execute(
            "select sql from sqlite_master where type = 'table' and name = 'tables'"
        ).fetchone()
        if not re.search(r"UNIQUE \(table_name\)", ddl):
            return
        rebuilt = (
            re.sub(r",\s*UNIQUE \(table_name\)", "", ddl)  # never the first item
            .replace('CREATE TABLE "tables" (', "CREATE TABLE tables_rebuilt (")
            .replace(
                "PRIMARY KEY (id),",
                "PRIMARY KEY (id), CONSTRAINT uq_tables_database_schema_table"
                " UNIQUE (database_id, catalog, schema, table_name),",
            )
        )
        connection.executescript(
            "pragma foreign_keys = off;"
            f"begin; {rebuilt};"
            " insert into tables_rebuilt select * from tables;"
            " drop table tables; alter table tables_rebuilt rename to tables; commit;"
            "pragma foreign_keys = on;"
        )


def prepare(home: Path) -> None:
    """Superset's tables (its migrations), its roles and permissions, and the admin login."""
    configure(home)
    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade
        from superset import security_manager
        from superset.extensions import appbuilder

        upgrade()
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        if security_manager.find_user(username=ADMIN) is None:
            security_manager.add_user(
                ADMIN, "KPI", "Admin", "admin@localhost", security_manager.find_role("Admin"),
                password=ADMIN_PASSWORD,
            )  # fmt: skip
    allow_a_table_name_in_several_databases(home / "superset.db")


def postgres_database(marts_schema: str) -> bundle.Database:
    """PostgreSQL as KPI_PG_* name it; the login is KPI_SUPERSET_PG_USER (a member of the
    read-only role, docs/reliability.md, "Least privilege"), else dbt's own."""
    user = os.environ.get("KPI_SUPERSET_PG_USER") or os.environ.get("KPI_PG_USER", "kpi")
    password = os.environ.get("KPI_SUPERSET_PG_PASSWORD") or os.environ.get(
        "DBT_ENV_SECRET_PG_PASSWORD", "kpi"
    )
    host = os.environ.get("KPI_PG_HOST", "127.0.0.1")
    port = os.environ.get("KPI_PG_PORT", "5432")
    database = os.environ.get("KPI_PG_DATABASE", "kpi_tree")
    login = urllib.parse.quote(user, safe="")
    if host.startswith("/"):  # a Unix socket folder
        query = urllib.parse.urlencode({"host": host, "port": port})
        uri = f"postgresql+psycopg2://{login}:XXXXXXXXXX@/{database}?{query}"
    else:
        uri = f"postgresql+psycopg2://{login}:XXXXXXXXXX@{host}:{port}/{database}"
    return bundle.Database("postgres", uri, marts_schema, password=password)


def duckdb_database(path: Path, marts_schema: str) -> bundle.Database:
    """The published DuckDB file, opened read-only: the build is never blocked by it."""
    return bundle.Database(
        "duckdb",
        f"duckdb:///{path.resolve()}",
        marts_schema,
        extra={"engine_params": {"connect_args": {"read_only": True}}},
    )


def import_dashboards(app: Any, databases: list[bundle.Database], manifest: Path) -> None:
    from flask import g
    from superset import security_manager
    from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand

    files = bundle.bundle_files(
        bundle.load_spec(), json.loads(manifest.read_text(encoding="utf-8")), databases
    )
    contents = {path.removeprefix("bundle/"): text for path, text in files.items()}
    with app.app_context():
        g.user = security_manager.find_user(username=ADMIN)
        ImportDashboardsCommand(
            contents, passwords=bundle.passwords(databases), overwrite=True
        ).run()


def serve(args: argparse.Namespace) -> int:
    home: Path = args.home
    if home.exists():
        shutil.rmtree(home)
    started = time.monotonic()
    if args.template and args.template.exists():
        home.mkdir(parents=True)
        shutil.copyfile(args.template, home / "superset.db")
        shutil.copyfile(args.template.with_name(args.template.name + ".key"), home / "secret_key")
    else:
        prepare(home)
    configure(home)
    databases = []
    if args.duckdb:
        databases.append(duckdb_database(args.duckdb, f"{args.duckdb_schema or args.schema}_marts"))
    if args.postgres:
        databases.append(postgres_database(f"{args.postgres_schema or args.schema}_marts"))
    if not databases:
        print(f"{PROG}: error: give --duckdb FILE and/or --postgres", file=sys.stderr)
        return 2
    app = create_app()
    import_dashboards(app, databases, args.manifest)
    base = f"http://127.0.0.1:{args.port}"
    shown = "KPI_SUPERSET_PASSWORD" if "KPI_SUPERSET_PASSWORD" in os.environ else ADMIN_PASSWORD
    print(f"{PROG}: ready in {time.monotonic() - started:.1f} s: {base}/ (login {ADMIN} / {shown})")
    for board in bundle.load_spec()["dashboards"]:
        for database in databases:
            print(f"  {base}/superset/dashboard/{board['slug']}-{database.engine}/")
    sys.stdout.flush()
    app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False, debug=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_command = commands.add_parser("prepare", help="write the metadata template")
    prepare_command.add_argument("--template", type=Path, required=True)
    serve_command = commands.add_parser("serve", help="import the dashboards and serve them")
    serve_command.add_argument("--home", type=Path, default=Path("target/superset"))
    serve_command.add_argument("--template", type=Path, default=None)
    serve_command.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    serve_command.add_argument("--duckdb", type=Path, help="the published DuckDB file")
    serve_command.add_argument(
        "--postgres", action="store_true", help="PostgreSQL too, as KPI_PG_* name it"
    )
    serve_command.add_argument(
        "--schema", default=os.environ.get("KPI_SCHEMA", "kpi"), help="KPI_SCHEMA of the builds"
    )
    serve_command.add_argument("--duckdb-schema", help="KPI_SCHEMA of the DuckDB build")
    serve_command.add_argument("--postgres-schema", help="KPI_SCHEMA of the PostgreSQL build")
    serve_command.add_argument("--port", type=int, default=8088)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "prepare":
        home = args.template.parent / (args.template.name + ".home")
        if home.exists():
            shutil.rmtree(home)
        prepare(home)
        shutil.move(home / "superset.db", args.template)
        shutil.move(home / "secret_key", args.template.with_name(args.template.name + ".key"))
        shutil.rmtree(home)
        return 0
    return serve(args)

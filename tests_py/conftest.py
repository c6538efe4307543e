"""Fixtures shared by the suites.

- `engine`: a fresh, empty warehouse target per test (DuckDB file or throwaway
  PostgreSQL schemas), for tests that build their own small data.
- `built_engines` / `built_engine`: the whole demo project built once per test
  session on the same generated data on both engines, for tests that read the
  numbers it produces.

Under pytest-xdist (`make test` runs two workers, `--dist loadgroup`), every test
that reads the demo build runs in one worker, so the demo is built once, and each
other module runs whole in one worker, so its module fixtures are built once.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import REPO_ROOT, Engine, make_engine

ENGINES = ["duckdb", "postgres"]
DEMO_FIXTURES = {"built_engine", "built_engines", "demo_raw_dir"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for xdist's loadgroup: the demo's readers together, else one group a module."""
    for item in items:
        uses_demo = DEMO_FIXTURES & set(getattr(item, "fixturenames", ()))
        group = "demo" if uses_demo else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


DEMO_EVENTS = 1_000_000  # the demo size: the targets in seeds/ are set for it


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty warehouse target: a DuckDB file or throwaway PostgreSQL schemas."""
    built = make_engine(request.param, tmp_path / request.param)
    try:
        yield built
    finally:
        built.drop_schemas()


@pytest.fixture(scope="session")
def demo_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo raw data generated once per session (seed 42)."""
    raw_dir = tmp_path_factory.mktemp("demo-raw")
    command = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "generate_demo_data.py"),
        "--events",
        str(DEMO_EVENTS),
        "--output-dir",
        str(raw_dir),
        "--quiet",
    ]
    subprocess.run(command, check=True)
    return raw_dir


@pytest.fixture(scope="session")
def built_engines(
    demo_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Engine]]:
    """The whole project built with `dbt build` on the demo data, on every engine."""
    engines = {}
    try:
        for name in ENGINES:
            engines[name] = make_engine(name, tmp_path_factory.mktemp(f"built-{name}"))
            engines[name].load_raw(demo_raw_dir)
            engines[name].dbt(["build"])
        yield engines
    finally:
        for built in engines.values():
            built.drop_schemas()


@pytest.fixture(params=ENGINES)
def built_engine(request: pytest.FixtureRequest, built_engines: dict[str, Engine]) -> Engine:
    return built_engines[request.param]

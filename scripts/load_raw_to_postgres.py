"""Load the raw parquet tables into PostgreSQL: the command-line entry point.

    python scripts/load_raw_to_postgres.py --input-dir data/raw [--schema raw] [--mode append]

The program is kpitree.loader (scripts/kpitree/loader.py); see its docstring.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script (or loaded by path), scripts/ is what makes `kpitree` importable.
_SCRIPTS = str(Path(__file__).resolve().parent)
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

from kpitree.loader import main  # noqa: E402

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())

"""Refuse Jinja (env_var, ...) in the text of definitions, before dbt renders it.

    python scripts/check_definitions.py [--project-dir .]

The program is kpitree.environment_check (scripts/kpitree/environment_check.py); see its
docstring. `make build`, the test builds and `make lint` run it before dbt.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script (or loaded by path), scripts/ is what makes `kpitree` importable.
_SCRIPTS = str(Path(__file__).resolve().parent)
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

from kpitree.environment_check import main  # noqa: E402

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())

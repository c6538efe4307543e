"""Generate deterministic synthetic raw data for the KPI tree demo: the command-line entry point.

    python scripts/generate_demo_data.py                  # 1M valid funnel events into data/raw
    python scripts/generate_demo_data.py --events 10000000 --seed 7 --output-dir /tmp/raw

Writes DIR/<table>/part-0000.parquet for every raw table (docs/raw_data.md) and
DIR/generation_report.json. The program is the package kpitree.generator (scripts/kpitree/):
one module per raw table; randomness.py explains how the output stays byte-for-byte the same
for a seed whatever the thread count.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script (or loaded by path), scripts/ is what makes `kpitree` importable.
_SCRIPTS = str(Path(__file__).resolve().parent)
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

from kpitree.generator.cli import main  # noqa: E402

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the whole pipeline at one size, against what DuckDB alone needs. The program
lives in the kpitree.benchmark package (its docstring lists the steps); `--help` says how to
use it.

    python scripts/benchmark.py --events 10000000 [--output target/benchmark.json]
"""

from __future__ import annotations

import sys

from kpitree.benchmark.cli import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the whole pipeline at one size, against what DuckDB alone needs.

The program behind scripts/benchmark.py; kpitree.benchmark lists its steps.

    python scripts/benchmark.py --events 10000000 [--output target/benchmark.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kpitree.benchmark.measure import REPO_ROOT
from kpitree.benchmark.report import ratios, summary_lines
from kpitree.benchmark.steps import run


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / "target" / "benchmark.json", help="JSON report"
    )
    parser.add_argument("--workdir", type=Path, help="keep the data and databases here")
    parser.add_argument(
        "--skip-metricflow", metavar="REASON", help="skip step 8, with the reason to report"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=False)
        report = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="kpi-benchmark-") as temporary:
            report = run(args, Path(temporary))
    report["ratios"] = ratios(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for label, value in summary_lines(report):
        print(f"{label:<48}{value:>24}")
    print(f"report written to {args.output}")
    return 0

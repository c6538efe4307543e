"""The scheduled run (entry point: scripts/daily_run.py; `make daily`): build what changed raw
tables and changed definitions reach, and nothing when neither changed.

1. `dbt run-operation print_changed_raw_tables` compares every declared raw table with what
   is staged (the raw buckets' fingerprints, docs/staging.md) and prints the staged models
   to build (`base_<source>__<entity>+`);
2. `dbt build --select <those> state:modified+ --state <the last successful run>` builds
   them and whatever a changed definition, tree, target or seed reaches;
3. the run's manifest becomes the state of the next run.

Without an earlier run (no manifest in --state) it builds everything. dbt runs in this
process, parsing the project once for both commands.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--state", type=Path, default=Path("target/deployed"),
        help="the last successful run's manifest lives here (default target/deployed)",
    )  # fmt: skip
    parser.add_argument(
        "--target-path", type=Path, default=Path("target"), help="dbt's target path"
    )
    return parser.parse_args(argv)


def changed_raw_tables(runner: dbtRunner, common: list[str]) -> list[str]:
    """The selectors print_changed_raw_tables prints (one per changed raw table)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = runner.invoke(["run-operation", "print_changed_raw_tables", "--quiet", *common])
    if not result.success:
        raise RuntimeError(f"print_changed_raw_tables failed: {result.exception}")
    return printed.getvalue().split()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    common = ["--target-path", str(args.target_path)]
    parsed = dbtRunner().invoke(["parse", "--quiet", *common])
    if not parsed.success:
        print(f"daily: the project does not parse: {parsed.exception}", file=sys.stderr)
        return 1
    assert isinstance(parsed.result, Manifest)
    runner = dbtRunner(manifest=parsed.result)
    state_manifest = args.state / "manifest.json"
    if not state_manifest.exists():
        print(f"daily: no earlier run in {args.state}: building everything")
        build = ["build", *common]
    else:
        changed = changed_raw_tables(runner, common)
        print(f"daily: raw tables changed: {' '.join(changed) or 'none'}")
        build = ["build", "--select", *changed, "state:modified+", "--state", str(args.state)]
        build += common
    result = runner.invoke(build)
    if not result.success:
        return 1
    args.state.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.target_path / "manifest.json", state_manifest)
    return 0

"""Export the resolved KPI tree of one period: nested JSON, a Markdown report with a Mermaid
diagram, a self-contained HTML page, and the period's threshold breaches as JSON and CSV.

    python scripts/export_tree.py                      # inbound tree, latest complete month
    python scripts/export_tree.py --tree cross_motion  # all motions (the tree's scope: all)
    python scripts/export_tree.py --grain week --period 2026-10-12 --motion inbound
    python scripts/export_tree.py --fail-on-breach critical --quiet   # for CI / alerting

The marts are read through the project's configured dbt target (DuckDB or PostgreSQL, chosen
by --target or the profile's default, KPI_TARGET), so build the project first (`dbt build`).
dbt's own files go to the project's target/export_tree/, never into --output-dir.

Files written into --output-dir, with <stem> = kpi_tree_<tree>_<motion>_<grain>_<period>:
  <stem>.json   the tree, nested (schema: scripts/kpi_tree_export.schema.json)
  <stem>.md     Markdown: Mermaid flowchart, node table (trend with its change, vs last
                year), what an open period still needs, where to look first with its
                what-if, the offsetting drivers, breaches
  <stem>.html   one self-contained page: the tree drawn as a tree, every tree, motion, grain
                and period switchable in the page (no network)
  breaches_<tree>_<motion>_<grain>_<period>.json / .csv
                the breaches of the tree's metrics, at the motions its nodes read, whose period
                starts inside the exported period, at any grain (a monthly export lists the
                weekly breaches of the month)
The JSON, Markdown and CSV are the same bytes for the same data (no run timestamps).

Exit codes: 0 exported; 1 exported, and --fail-on-breach found a breach of at least that
severity; 2 nothing exported (project not built, no data for the period, a period that has
not started, bad arguments: the message lists the valid values).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kpitree.export.formatting import one_line
from kpitree.export.render_console import render_console
from kpitree.export.render_csv import render_breaches_csv
from kpitree.export.render_html import render_html
from kpitree.export.render_json import render_breaches_json, render_json
from kpitree.export.render_markdown import render_markdown
from kpitree.export.tree import GRAINS, SEVERITIES, Export, ExportError, failing_breaches
from kpitree.export.warehouse import DbtWarehouse, load_export

PROG = "export_tree"
REPO_ROOT = Path(__file__).resolve().parents[3]
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Options:
    tree: str
    grain: str
    period: date | None
    motion: str | None
    output_dir: Path
    fail_on_breach: str | None
    target: str | None
    project_dir: Path
    quiet: bool


def parse_period(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not DATE_PATTERN.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(
            f"--period {value!r} is not a date; expected YYYY-MM-DD, the first day of a period"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tree", default="inbound", help="tree name (default: inbound)")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="default: month")
    parser.add_argument(
        "--period",
        metavar="YYYY-MM-DD",
        help="period start (default: the latest complete period of the grain)",
    )
    parser.add_argument(
        "--motion",
        help="a motion of the tree's scope, or all (default: the first of the tree's scope)",
    )
    parser.add_argument("--output-dir", type=Path, default=Path("output"), help="default: output")
    parser.add_argument(
        "--fail-on-breach",
        choices=SEVERITIES,
        help="exit 1 when a breach of at least this severity falls in the exported period",
    )
    parser.add_argument("--target", help="dbt target (default: the profile's, KPI_TARGET)")
    parser.add_argument(
        "--project-dir", type=Path, default=REPO_ROOT, help="dbt project (default: repo root)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser


def parse_options(argv: Sequence[str] | None) -> Options:
    args = build_parser().parse_args(argv)
    return Options(
        tree=args.tree,
        grain=args.grain,
        period=parse_period(args.period),
        motion=args.motion,
        output_dir=args.output_dir,
        fail_on_breach=args.fail_on_breach,
        target=args.target,
        project_dir=args.project_dir.resolve(),
        quiet=args.quiet,
    )


def write_outputs(export: Export, output_dir: Path) -> list[Path]:
    """The five files, each written whole under a temporary name and renamed into place."""
    output_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        f"{export.stem}.json": render_json(export),
        f"{export.stem}.md": render_markdown(export),
        f"{export.stem}.html": render_html(export),
        f"breaches_{export.suffix}.json": render_breaches_json(export),
        f"breaches_{export.suffix}.csv": render_breaches_csv(export),
    }
    paths = []
    for name, text in contents.items():
        path = output_dir / name
        partial = output_dir / f".{name}.partial"
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(path)
        paths.append(path)
    return paths


def run(options: Options) -> int:
    warehouse = DbtWarehouse(options.project_dir, options.target)
    try:
        export = load_export(warehouse, options.tree, options.grain, options.period, options.motion)
    finally:
        warehouse.close()
    paths = write_outputs(export, options.output_dir)
    failing = failing_breaches(export.breaches, options.fail_on_breach)
    if not options.quiet:
        print("\n".join(render_console(export)))
        print("\nWrote:")
        for path in paths:
            print(f"  {path}")
        if failing:
            print(
                f"{PROG}: {len(failing)} breach(es) of severity {options.fail_on_breach} or "
                "above in this period (--fail-on-breach)",
                file=sys.stderr,
            )
    return 1 if failing else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_options(argv))
    except ExportError as error:
        print(f"{PROG}: error: {one_line(str(error))}", file=sys.stderr)
        return 2

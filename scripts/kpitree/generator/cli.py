"""The command line: parse the options, generate every raw table, write the report.

    python scripts/generate_demo_data.py                  # 1M valid funnel events into data/raw
    python scripts/generate_demo_data.py --events 10000000 --seed 7 --output-dir /tmp/raw

The order of the steps follows the data: the plan (days, cells) and the accounts; each
motion's entries (inbound sessions, ABM engagement, partner registrations, product sign-ups),
which fill the shared journeys, meeting candidates and opportunity sources; meetings;
opportunities and their outcomes; the funnel events; then what hangs off them (attendees,
touches, the customer lifecycle) and ad spend. Bad rows are injected into every table once all
valid rows exist; the files are written, and the report is counted from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from kpitree.generator import (
    accounts,
    ad_spend,
    ads,
    bad_rows,
    crm_writers,
    customers,
    engagement,
    entries,
    funnel_events,
    ga4,
    meetings,
    partners,
    product,
    stripe,
    touches,
)
from kpitree.generator.context import Context, Options, sql_literal
from kpitree.generator.crm_common import CRMS
from kpitree.generator.plan import DEFAULT_END, DEFAULT_START, plan_volumes
from kpitree.generator.report import report_from_files
from kpitree.generator.tables import RawTable, write


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Generate deterministic synthetic raw data for the KPI tree demo: funnel "
        "events of four buying motions, ad spend, accounts, ABM engagement, meeting attendees, "
        "partner registrations, product events, touches and the customer lifecycle "
        "(docs/raw_data.md).",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        help="valid funnel events over the whole date range (met within about 1%%); every "
        "other table scales with it (default 1000000)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--output-dir", type=Path, default=Path("data/raw"), help="default data/raw"
    )
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help=f"YYYY-MM-DD, nothing occurs before it (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_END,
        help=f"YYYY-MM-DD, inclusive: nothing occurs after it (default {DEFAULT_END})",
    )
    parser.add_argument(
        "--bad-row-share",
        type=float,
        default=0.002,
        help="injected rows per bad-row class as a share of each table's valid rows "
        "(duplicates 2.5x; a class that needs an amount: of the rows with one) (default 0.002)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="DuckDB threads (default: DuckDB's; the output does not depend on it)",
    )
    parser.add_argument(
        "--memory-limit",
        help="DuckDB's memory limit, e.g. 8GB; past it the tables spill to a temporary folder "
        "(TMPDIR) (default: DuckDB's, 80%% of the machine's memory)",
    )
    parser.add_argument(
        "--crm",
        choices=("contract", *CRMS),
        default="contract",
        help="also write the business as this CRM's tables, as a managed connector lands "
        'them, in DIR/<crm>/<table>/ (docs/raw_data.md, "The CRM tables"); every id in the '
        "contract tables is then the CRM's (default contract: the contract tables only)",
    )
    parser.add_argument(
        "--ads",
        action="store_true",
        help="also write the paid-search and paid-content spend as Google Ads, LinkedIn Ads "
        'and Meta Ads land it, in DIR/<platform>/<table>/ (docs/raw_data.md, "The ad '
        "platforms' tables\"); the contract's ad_spend stays complete",
    )
    parser.add_argument(
        "--billing",
        choices=("contract", "stripe"),
        default="contract",
        help="stripe: also write the subscriptions and their changes as Stripe lands them, in "
        'DIR/stripe/<table>/ (docs/raw_data.md, "Billing: the Stripe tables"; a few won deals '
        "then start billing days after they close, in the contract too) (default contract)",
    )
    parser.add_argument(
        "--web",
        choices=("contract", "ga4"),
        default="contract",
        help="ga4: also write the high-intent sessions and demo requests as GA4's event export "
        'lands them, in DIR/ga4/events/ (docs/raw_data.md, "GA4\'s events")',
    )
    parser.add_argument(
        "--ga4-shape",
        choices=ga4.SHAPES,
        default="bigquery_export",
        help="with --web ga4: the BigQuery export's nested event_params (default) or one "
        "column per parameter, as managed connectors land them",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    if args.events < 1000:
        parser.error("--events must be at least 1000")
    if args.seed < 0 or args.seed >= 2**63:
        parser.error("--seed must be between 0 and 2**63 - 1")
    if args.end_date < args.start_date:
        parser.error("--end-date must not be before --start-date")
    if not 0.0 <= args.bad_row_share <= 0.05:
        parser.error("--bad-row-share must be between 0 and 0.05")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return Options(
        events=args.events,
        seed=args.seed,
        output_dir=args.output_dir,
        start_date=args.start_date,
        end_date=args.end_date,
        bad_row_share=args.bad_row_share,
        quiet=args.quiet,
        threads=args.threads,
        memory_limit=args.memory_limit,
        crm=args.crm,
        ads=args.ads,
        billing=args.billing,
        web=args.web,
        ga4_shape=args.ga4_shape,
    )


def build(ctx: Context) -> list[RawTable]:
    """Create every valid row (see the module docstring); returns the raw tables in order."""
    entries.create_plan_tables(ctx)
    accounts.create(ctx)
    entries.create_journey_tables(ctx)
    funnel_events.create_sessions(ctx)
    engagement.create(ctx)
    partners.create(ctx)
    product.create(ctx)
    meetings.create(ctx)
    funnel_events.create_opportunities(ctx)
    funnel_events.create_events(ctx)
    meetings.create_attendees(ctx)
    touches.create(ctx)
    customers.create(ctx)
    ad_spend.create(ctx)
    return [
        funnel_events.raw_table(ctx),
        ad_spend.raw_table(ctx),
        accounts.raw_table(ctx),
        engagement.raw_table(ctx),
        meetings.raw_table(ctx),
        partners.raw_table(ctx),
        product.raw_table(ctx),
        touches.raw_table(ctx),
        *customers.raw_tables(ctx),
    ]


def generate(options: Options) -> dict[str, Any]:
    """Generate all outputs and return the report (also written as generation_report.json)."""
    options.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kpi_gen_") as spill:
        con = duckdb.connect()
        try:
            con.execute("set timezone = 'UTC'")
            con.execute(f"set temp_directory = {sql_literal(spill)}")
            if options.threads:
                con.execute(f"set threads = {options.threads}")
            if options.memory_limit:
                con.execute(f"set memory_limit = {sql_literal(options.memory_limit)}")
            ctx = Context(con, options, plan_volumes(options.events))
            tables = build(ctx)
            crm_tables = crm_writers.write(ctx)
            ad_tables = ads.write(ctx)
            billing_tables = stripe.write(ctx)
            web_tables = ga4.write(ctx, tables[0])
            for table in tables:
                bad_rows.inject(ctx, table)
            paths = {table.name: write(ctx, table) for table in tables}
            report = report_from_files(con, options, tables, paths)
            if crm_tables:
                report["crm"] = crm_tables
            if ad_tables:
                report["ads"] = ad_tables
            if billing_tables:
                report["billing"] = billing_tables
            if web_tables:
                report["web"] = web_tables
        finally:
            con.close()
    report_path = options.output_dir / "generation_report.json"
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    report = generate(options)
    if not options.quiet:
        elapsed = time.perf_counter() - started
        rows = ", ".join(f"{t} {n:,}" for t, n in report["rows"].items())
        injected = ", ".join(f"{c} {n:,}" for c, n in report["injected"].items())
        print(f"wrote {options.output_dir}: {rows}", file=sys.stderr)
        print(
            f"valid funnel events {report['valid_events']:,}; injected into funnel_events: "
            f"{injected} (every table: generation_report.json)",
            file=sys.stderr,
        )
        print(f"done in {elapsed:.1f} s", file=sys.stderr)
    return 0

"""Writing the CRM tables (--crm): crm_common's tables formatted by the chosen CRM's writer,
one folder of parquet per table under DIR/<crm>/, and what was written for the report."""

from __future__ import annotations

from typing import Any

from kpitree.generator import crm_common, crm_hubspot, crm_salesforce
from kpitree.generator.context import Context, sql_literal


def write(ctx: Context) -> dict[str, Any]:
    """Build the CRM's tables when --crm names one; returns the report's `crm` section
    (rows per table, and what was planted for the connector to quarantine or filter, counted
    in the rows the connector rejects: docs/raw_data.md, "The CRM tables"), or {} for the
    contract alone."""
    if ctx.o.crm == "contract":
        return {}
    crm_common.create(ctx)
    writers = {"salesforce": crm_salesforce, "hubspot": crm_hubspot}
    folder = ctx.o.output_dir / ctx.o.crm
    rows: dict[str, int] = {}
    writer = writers[ctx.o.crm]
    for name, select in writer.tables(ctx).items():
        path = folder / name / "part-0000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*.parquet"):
            old.unlink()
        ctx.run(f"copy ({select}) to {sql_literal(str(path))} (format parquet, compression zstd)")
        rows[name] = int(ctx.scalar(f"select count(*) from read_parquet({sql_literal(str(path))})"))
    return {
        "name": ctx.o.crm,
        "folder": str(folder),
        "rows": rows,
        "planted": writer.planted(ctx, folder),
    }

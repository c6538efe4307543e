"""How a raw table is described, written, and checked: one RawTable per table module.

Each table module builds an internal DuckDB table of numbers (`rows`, one row per valid row,
`row_key` 1..n), describes how to format it (`select`), which bad-row classes it gets
(`defects`, each a change of one field of a copied valid row, and how to recognise it in the
written file) and what identifies a row (`key`, shared by re-sent duplicates). bad_rows.py
injects the defects, `write()` writes the parquet file, report.py counts from the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kpitree.generator.context import Context, sql_literal
from kpitree.generator.plan import MICROS_PER_HOUR

DUPLICATE = "duplicate"
# Duplicates (re-sent rows) are this many times as frequent as each other bad-row class.
DUPLICATE_SHARE_FACTOR = 2.5


@dataclass(frozen=True)
class Defect:
    """A bad-row class: one field of a copied valid row changed.

    overrides: internal column -> SQL over the template row `t` and the pick `n` (n.fresh is
    a fresh number beyond every valid id). check: SQL over the written columns that is true
    for exactly the rows of this class. templates: SQL restricting which valid rows are copied
    (e.g. rows with an amount).
    """

    name: str
    check: str
    overrides: Mapping[str, str]
    templates: str = ""


@dataclass(frozen=True)
class RawTable:
    """A raw table: its internal rows, how they are written, and its bad-row classes."""

    name: str
    rows: str
    select: str
    order_by: str
    key: str
    id_column: str | None
    # overrides that make a re-send of a valid row (same id; e.g. a later ingested time)
    resend: Mapping[str, str]
    defects: tuple[Defect, ...]

    @property
    def classes(self) -> tuple[str, ...]:
        return (DUPLICATE, *(d.name for d in self.defects))

    def path(self, output_dir: Path) -> Path:
        return output_dir / self.name / "part-0000.parquet"


def write(ctx: Context, table: RawTable) -> Path:
    """Write the table's rows (valid and injected) as DIR/<table>/part-0000.parquet."""
    path = table.path(ctx.o.output_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("*.parquet"):
        old.unlink()
    ctx.run(
        f"copy (select {table.select} from {table.rows} as r order by {table.order_by}) "
        f"to {sql_literal(str(path))} (format parquet, compression zstd)"
    )
    return path


def id_sql(prefix: str, column: str, width: int) -> str:
    """SQL formatting a numeric id as prefix_000123 (null stays null)."""
    return f"'{prefix}_' || lpad(({column})::varchar, {width}, '0')"


# Record ids as each CRM writes them (--crm): Salesforce's 18 characters, a key prefix per
# object type; HubSpot's numbers, an offset per object type. The contract's own ids otherwise.
SALESFORCE_PREFIXES: dict[str, str] = {
    "account": "001",
    "contact": "003",
    "opportunity": "006",
    "lead": "00Q",
    "event": "00U",
    "event_relation": "0RE",
    "campaign": "701",
    "campaign_member": "00v",
    "opportunity_history": "008",
    "opportunity_field_history": "00O",
    "opportunity_contact_role": "00K",
    "contact_history": "017",
    "record_type": "012",
    "dated_conversion_rate": "04w",
    "currency_type": "02N",
}
HUBSPOT_OFFSETS: dict[str, int] = {
    "account": 5_000_000_000,
    "contact": 100_000_000,
    "opportunity": 9_000_000_000,
    "engagement": 30_000_000_000,
    "form_submission": 0,
}


def salesforce_id(kind: str, column: str) -> str:
    """SQL formatting a number as a Salesforce id of an object type (null stays null)."""
    return f"'{SALESFORCE_PREFIXES[kind]}KT' || lpad(({column})::varchar, 10, '0') || 'AAA'"


def hubspot_id(kind: str, column: str) -> str:
    """SQL: a number as a HubSpot record id of an object type (a bigint; null stays null)."""
    return f"(({column}) + {HUBSPOT_OFFSETS[kind]})::bigint"


def record_id(ctx: Context, kind: str, column: str, prefix: str, minimum_width: int) -> str:
    """SQL formatting a record's number as its id in the raw tables: the CRM's id of the
    record when --crm names one (as text), else the contract's prefix_000123."""
    if ctx.o.crm == "salesforce":
        return salesforce_id(kind, column)
    if ctx.o.crm == "hubspot":
        return f"{hubspot_id(kind, column)}::varchar"
    return id_sql(prefix, column, minimum_width)


def width(largest: int, minimum: int) -> int:
    return max(minimum, len(str(largest)))


def lookup(values: tuple[str, ...] | list[str], code: str) -> str:
    """SQL mapping a 0-based code column to its label (codes beyond the list give null)."""
    return "[" + ", ".join(sql_literal(v) for v in values) + f"][{code} + 1]"


def not_in(column: str, values: tuple[str, ...]) -> str:
    """SQL: column holds a value outside the vocabulary (null counts as outside)."""
    return f"coalesce({column} not in ({', '.join(sql_literal(v) for v in values)}), true)"


def missing(column: str, internal: str) -> Defect:
    """missing_<column>: the column is null (internal: the rows table's column behind it)."""
    return Defect(f"missing_{column}", f"{column} is null", {internal: "null"})


MISSING_ACCOUNT = missing("account_id", "account_number")


def unknown(column: str, code: str, known: tuple[str, ...], outside: tuple[str, ...]) -> Defect:
    """unknown_<column>: a value outside the vocabulary (codes past the known values)."""
    return Defect(
        f"unknown_{column}",
        not_in(column, known),
        {code: f"{len(known)} + n.fresh % {len(outside)}"},
    )


def resent_later(ctx: Context, table: str, max_hours: int = 48) -> dict[str, str]:
    """A re-send's overrides: the same row, landing 1 to max_hours hours after the original."""
    draw = ctx.u("n.fresh", name=f"resend_{table}")
    return {
        "ingested_us": f"t.ingested_us + {MICROS_PER_HOUR} "
        f"+ ({draw} * {(max_hours - 1) * MICROS_PER_HOUR})::bigint"
    }


def landed_table(
    ctx: Context,
    name: str,
    rows: str,
    select: str,
    order_by: str,
    ids: tuple[str, str],
    vocabulary: tuple[str, str, tuple[str, ...], tuple[str, ...]] | None = None,
    more: tuple[Defect, ...] = (),
    resend_hours: int = 48,
) -> RawTable:
    """A table whose rows have an id, an account and a load time (most raw tables).

    Its bad-row classes: re-sends (1 to resend_hours hours later), missing_<id>,
    missing_account_id, unknown_<column> when it has a vocabulary (column, internal code
    column, known values, values outside), then `more`.
    """
    id_column, internal_id = ids
    defects = [missing(id_column, internal_id), MISSING_ACCOUNT]
    if vocabulary:
        defects.append(unknown(*vocabulary))
    return RawTable(
        name=name,
        rows=rows,
        select=select,
        order_by=order_by,
        key=id_column,
        id_column=internal_id,
        resend=resent_later(ctx, name, resend_hours),
        defects=(*defects, *more),
    )

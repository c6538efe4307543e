"""Injected bad rows: copies of valid rows with exactly one defect each, on top of the valid rows.

Every raw table gets re-sent duplicates (a valid row sent again: same id and content, a later
ingested_at where the table has one; downstream keeps the latest, so they are not invalid)
and its own defect classes (tables.Defect: a missing id, a missing account_id, a value outside
a vocabulary, a negative amount, ...). Each class is --bad-row-share of the table's valid rows
(duplicates DUPLICATE_SHARE_FACTOR times that); a class restricted to some rows (a negative
amount needs a row with an amount) is that share of those rows. Every class gets at least one
row when the share is above zero.

Duplicates copy distinct valid rows (a permutation of the row keys, so no row is re-sent
twice); other classes copy a valid row chosen by hash and give it a fresh id (beyond every
valid id) unless the defect is the id itself. The picks are numbered in a fixed order, so the
injected rows are the same for a seed whatever the thread count.
"""

from __future__ import annotations

import math

from kpitree.generator.context import Context
from kpitree.generator.tables import DUPLICATE, DUPLICATE_SHARE_FACTOR, RawTable


def class_count(share: float, base: int, factor: float = 1.0) -> int:
    """Rows to inject for a class: share x base x factor, at least 1 (none when share is 0)."""
    if share <= 0 or base <= 0:
        return 0
    return min(base, max(1, round(base * share * factor)))


def coprime_step(n: int) -> int:
    """A step coprime with n, so i -> (i * step + offset) % n is a permutation of 0..n-1."""
    return next(p for p in range(1_000_003, 10**9) if math.gcd(p, n) == 1)


def inject(ctx: Context, table: RawTable) -> None:
    """Append the table's bad rows to its internal rows table (see the module docstring)."""
    valid = int(ctx.scalar(f"select count(*) from {table.rows}"))
    if valid == 0 or ctx.o.bad_row_share <= 0:
        return
    largest_id = (
        int(ctx.scalar(f"select coalesce(max({table.id_column}), 0) from {table.rows}"))
        if table.id_column
        else 0
    )
    picks = []
    count = class_count(ctx.o.bad_row_share, valid, DUPLICATE_SHARE_FACTOR)
    step, offset = coprime_step(valid), ctx.seed % valid
    picks.append(
        f"select 0 as class_code, i, (i * {step} + {offset}) % {valid} + 1 as template_key "
        f"from range({count}) as t(i)"
    )
    for k, defect in enumerate(table.defects, start=1):
        draw = ctx.h("i", k, name=f"bad_{table.name}")
        if defect.templates:
            ranked = f"bad_templates_{table.name}_{k}"
            ctx.run(
                f"create temp table {ranked} as select row_key, "
                f"row_number() over (order by row_key) as template_rank "
                f"from {table.rows} where {defect.templates}"
            )
            base = int(ctx.scalar(f"select count(*) from {ranked}"))
            count = class_count(ctx.o.bad_row_share, base)
            if count:
                picks.append(
                    f"select {k} as class_code, t.i, a.row_key as template_key "
                    f"from range({count}) as t(i) inner join {ranked} as a "
                    f"on a.template_rank = 1 + {draw} % {base}"
                )
        else:
            count = class_count(ctx.o.bad_row_share, valid)
            picks.append(
                f"select {k} as class_code, i, 1 + {draw} % {valid} as template_key "
                f"from range({count}) as t(i)"
            )
    columns = [row[0] for row in ctx.con.execute(f"describe {table.rows}").fetchall()]
    overrides = [dict(table.resend)] + [dict(d.overrides) for d in table.defects]
    for k, changes in enumerate(overrides):
        if k > 0 and table.id_column and table.id_column not in changes:
            changes[table.id_column] = f"{largest_id} + n.fresh"
    expressions = []
    for column in columns:
        if column == "row_key":
            expressions.append(f"{valid} + n.fresh as row_key")
            continue
        whens = [
            f"when {k} then {changes[column]}"
            for k, changes in enumerate(overrides)
            if column in changes
        ]
        if whens:
            expressions.append(f"case n.class_code {' '.join(whens)} else t.{column} end")
        else:
            expressions.append(f"t.{column}")
    ctx.run(
        f"""
        insert into {table.rows}
        with picks as (
            {" union all ".join(picks)}
        ),
        numbered as (
            select *, row_number() over (order by class_code, i) as fresh from picks
        )
        select {", ".join(expressions)}
        from numbered as n
        inner join {table.rows} as t on n.template_key = t.row_key
        """
    )


__all__ = ["DUPLICATE", "class_count", "inject"]

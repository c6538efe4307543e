"""The period's breaches as CSV: the columns of kpi_breaches, one row per breach."""

from __future__ import annotations

import csv
import io
from typing import Any

from kpitree.export.render_json import breach_to_json
from kpitree.export.tree import Export
from kpitree.export.warehouse import BREACH_COLUMNS


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_breaches_csv(export: Export) -> str:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(BREACH_COLUMNS)
    for breach in export.breaches:
        row = breach_to_json(breach)
        writer.writerow([csv_cell(row[name]) for name in BREACH_COLUMNS])
    return handle.getvalue()

"""MetricFlow as the oracle: many `mf query`s in one process.

`mf query` re-parses the project on every call (about 5 s). This program sets
MetricFlow up once for a built dbt project and answers a list of queries, so a
parity suite pays the set-up once per engine.

    python metricflow_oracle.py --project-dir DIR --queries queries.json --output answers.json

queries.json: [{"metrics": [...], "group_by": [...], "where": [...]}, ...]
answers.json: one {"columns": [...], "rows": [[...], ...]} per query, or {"error": "..."}.
With --explain, each answer holds the SQL instead ({"sql": "..."}).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import os
from pathlib import Path
from typing import Any


def to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)

    from dbt_metricflow.cli.cli_configuration import CLIConfiguration
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    os.chdir(args.project_dir)
    config = CLIConfiguration()
    config.setup(
        dbt_profiles_path=args.project_dir,
        dbt_project_path=args.project_dir,
        configure_file_logging=False,
    )
    answers: list[dict[str, Any]] = []
    for query in json.loads(args.queries.read_text()):
        request = MetricFlowQueryRequest.create(
            metric_names=query["metrics"],
            group_by_names=query.get("group_by") or None,
            where_constraints=query.get("where") or None,
        )
        try:
            if args.explain:
                explained = config.mf.explain(mf_request=request)
                answers.append({"sql": explained.sql_statement.without_descriptions.sql})
                continue
            table = config.mf.query(mf_request=request).result_df
            assert table is not None
            answers.append(
                {
                    "columns": list(table.column_names),
                    "rows": [[to_json(value) for value in row] for row in table.rows],
                }
            )
        except Exception as error:  # one failing query must not hide the others' answers
            answers.append({"error": f"{type(error).__name__}: {error}"})
    args.output.write_text(json.dumps(answers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Apache Superset with the project's dashboards (run with .venv-superset/bin/python; the
program lives in kpitree.dashboards.superset_app, `--help` says how to use it).

    .venv-superset/bin/python scripts/superset_dashboards.py serve \\
        --duckdb target/published/kpi_tree.duckdb
"""

from __future__ import annotations

import sys

from kpitree.dashboards.superset_app import main  # scripts/ is on the path when this runs

if __name__ == "__main__":
    sys.exit(main())

"""Publish the DuckDB build for dashboards: a checked copy, renamed into place atomically.
The program lives in kpitree.publish; `--help` says how to use it.

    python scripts/publish_duckdb.py --destination /srv/bi/kpi_tree.duckdb
"""

from __future__ import annotations

import sys

from kpitree.publish import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())

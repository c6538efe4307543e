"""The project's Python programs, as a small package: `scripts/*.py` are thin entry points.

- `kpitree.generator`: the deterministic demo data generator (one module per raw table).
- `kpitree.loader`: loads the raw parquet tables into PostgreSQL.
- `kpitree.raw_tables`: the names of the raw tables, shared by both.
- `kpitree.export`: the export of a resolved tree (JSON, Markdown, HTML, CSV, console).
- `kpitree.publish`: a checked copy of the DuckDB build for dashboards.
- `kpitree.dashboards`: the Superset bundle builder and server.
- `kpitree.benchmark`: the benchmark of the whole pipeline against DuckDB alone.
- `kpitree.postgres`: the one-time PostgreSQL admin step and the throwaway test server.

Nothing here does work at import time.
"""

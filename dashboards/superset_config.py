"""Superset's configuration for the project's dashboards (read through SUPERSET_CONFIG_PATH,
set by scripts/superset_dashboards.py): local, offline, and only what the dashboards need.

- Metadata in SQLite under KPI_SUPERSET_HOME (target/superset by default), thrown away and
  rebuilt from the dashboards' code on every start.
- SUPERSET_SECRET_KEY comes from the environment (a random key kept in the home folder).
- Nothing is fetched from outside: the content security policy allows this server only (the
  default one allows a tracking pixel, map tiles and web fonts).
- ALLOW_ADHOC_SUBQUERY: the charts' "latest complete period" filter is a subquery.
- DASHBOARD_VIRTUALIZATION off: every chart renders at once (a reader, and the browser test,
  sees every number without scrolling).
"""

import os

_HOME = os.environ["KPI_SUPERSET_HOME"]

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME}/superset.db"
DATA_DIR = _HOME

FEATURE_FLAGS = {
    "ALLOW_ADHOC_SUBQUERY": True,
    "DASHBOARD_VIRTUALIZATION": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

_SELF = ["'self'"]
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": _SELF,
        "default-src": _SELF,
        "img-src": [*_SELF, "blob:", "data:"],
        "worker-src": [*_SELF, "blob:"],
        "connect-src": _SELF,
        "object-src": "'none'",
        "style-src": [*_SELF, "'unsafe-inline'"],
        "font-src": [*_SELF, "data:"],
        "script-src": [*_SELF, "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False

# one local user, no e-mail, no async workers, no caching server
RATELIMIT_ENABLED = False
RATELIMIT_STORAGE_URI = "memory://"
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
SQLLAB_CTAS_NO_LIMIT = True
ROW_LIMIT = 5000
LOG_LEVEL = "WARNING"

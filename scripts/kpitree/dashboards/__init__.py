"""Superset dashboards as code: the import bundle (bundle.py) and the server (superset_app.py)."""

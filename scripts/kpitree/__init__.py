"""The KPI tree project's Python code: one module (or subpackage) per concern."""

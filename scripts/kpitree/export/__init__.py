"""The KPI tree export (scripts/export_tree.py): one module per concern.

- warehouse: reading the marts through the project's dbt target
- tree: the tree model (nodes, attribution, breaches)
- formatting: numbers and text as every renderer shows them
- render_json, render_markdown, render_html, render_console, render_csv: one per output
- cli: arguments, exit codes, writing the files
"""

{#- Salesforce `opportunity_history` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('salesforce', 'opportunity_history') }}

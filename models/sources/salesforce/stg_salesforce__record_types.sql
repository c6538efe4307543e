{#- Salesforce `record_type` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('salesforce', 'record_type') }}

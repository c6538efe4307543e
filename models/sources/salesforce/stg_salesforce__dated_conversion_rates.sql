{#- Salesforce `dated_conversion_rate` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('salesforce', 'dated_conversion_rate') }}

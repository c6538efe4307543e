{#- Salesforce `lead` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ config(enabled=kpi_tree.crm_landed('salesforce')) }}
{{ kpi_tree.connector_rows('salesforce', 'lead') }}

{#- HubSpot `contact_merge_audit` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ config(enabled=kpi_tree.crm_landed('hubspot')) }}
{{ kpi_tree.connector_rows('hubspot', 'contact_merge_audit') }}

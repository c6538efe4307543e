{#- HubSpot `contact_merge_audit` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('hubspot', 'contact_merge_audit') }}

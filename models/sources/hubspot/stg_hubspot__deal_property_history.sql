{#- HubSpot `deal_property_history` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('hubspot', 'deal_property_history') }}

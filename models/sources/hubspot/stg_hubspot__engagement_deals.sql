{#- HubSpot `engagement_deal` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('hubspot', 'engagement_deal') }}

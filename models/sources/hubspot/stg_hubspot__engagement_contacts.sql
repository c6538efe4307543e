{#- HubSpot `engagement_contact` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('hubspot', 'engagement_contact') }}

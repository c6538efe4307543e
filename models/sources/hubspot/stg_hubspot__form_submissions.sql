{#- HubSpot `contact_form_submission` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('hubspot', 'contact_form_submission') }}

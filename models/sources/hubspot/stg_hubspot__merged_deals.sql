{#- HubSpot `merged_deal` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ config(enabled=kpi_tree.crm_landed('hubspot')) }}
{{ kpi_tree.connector_rows('hubspot', 'merged_deal') }}

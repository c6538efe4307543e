{#- The raw contract's touches from HubSpot: its version log (staging reads it through
    kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_output('hubspot', 'touches') }}

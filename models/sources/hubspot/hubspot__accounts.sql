{#- The raw contract's accounts from HubSpot: the accounts the seeds map (staging reads it
    through kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_output('hubspot', 'accounts') }}

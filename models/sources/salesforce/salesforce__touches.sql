{#- The raw contract's touches from Salesforce: its version log (staging reads it through
    kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_output('salesforce', 'touches') }}

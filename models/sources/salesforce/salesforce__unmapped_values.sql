{#- The Salesforce values no mapping seed maps, with the rows each kept out. -#}
{{ kpi_tree.crm_unmapped_values('salesforce') }}

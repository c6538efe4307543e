{#- The Salesforce records that did not become contract rows, and why. -#}
{{ kpi_tree.crm_rejected('salesforce') }}

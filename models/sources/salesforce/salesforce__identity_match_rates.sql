{#- How Salesforce people found their accounts: per kind of record and rule, the count and
    its share. -#}
{{ kpi_tree.crm_identity_match_rates('salesforce') }}

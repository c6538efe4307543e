{#- Every Salesforce account as a contract account, or why not (rejection_reason). -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_accounts_classified('salesforce') }}

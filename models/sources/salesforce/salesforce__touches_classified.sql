{#- Every Salesforce campaign response claimed by a deal as a touch, or why not. -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_touches_classified('salesforce') }}

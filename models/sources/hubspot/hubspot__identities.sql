{#- Every HubSpot person reference with its person, account and the rule that found the
    account (macros/sources/crm_mapping.sql). -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('hubspot')) }}
{{ kpi_tree.crm_identities('hubspot') }}

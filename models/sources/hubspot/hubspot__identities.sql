{#- Every HubSpot person reference with its person, account and the rule that found the
    account (macros/sources/crm_mapping.sql). -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_identities('hubspot') }}

{#- Every HubSpot campaign response a deal claims as a touch, or why not. -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_touches_classified('hubspot') }}

{#- Every funnel event HubSpot's records imply, or why a record gives none
    (rejection_reason). -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_funnel_events_classified('hubspot') }}

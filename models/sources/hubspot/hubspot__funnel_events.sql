{#- The raw contract's funnel_events from HubSpot (staging reads it through
    kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_funnel_events('hubspot') }}

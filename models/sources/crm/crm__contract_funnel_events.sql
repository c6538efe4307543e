{#- The contract's own funnel_events rows that no CRM writes (web analytics' sessions
    without GA4; rows of an unknown or missing type too, for staging to quarantine): a
    CRM connector's funnel_events add them to its own (kpi_tree.contract_funnel_events). -#}
{{ kpi_tree.contract_funnel_events() }}

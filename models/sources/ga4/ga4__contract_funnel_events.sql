{#- funnel_events without a CRM connector and with GA4 on (kpi_tree.raw_relation): the
    contract's rows but its sessions and demo requests, and GA4's
    (kpi_tree.contract_funnel_events). -#}
{{ config(enabled=kpi_tree.crm_connector() == 'contract'
    and kpi_tree.web_analytics_connector() == 'ga4') }}

{{ kpi_tree.contract_funnel_events() }}

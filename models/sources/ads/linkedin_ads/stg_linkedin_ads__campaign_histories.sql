{#- LinkedIn Ads `campaign_history` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('linkedin_ads', 'campaign_history') }}

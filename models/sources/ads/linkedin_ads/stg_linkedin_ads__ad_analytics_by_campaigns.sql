{#- LinkedIn Ads `ad_analytics_by_campaign` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('linkedin_ads', 'ad_analytics_by_campaign') }}

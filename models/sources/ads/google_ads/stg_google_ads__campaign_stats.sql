{#- Google Ads `campaign_stats` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('google_ads', 'campaign_stats') }}

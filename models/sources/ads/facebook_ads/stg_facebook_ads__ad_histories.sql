{#- Meta Ads `ad_history` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('facebook_ads', 'ad_history') }}

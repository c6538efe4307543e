{#- Meta Ads `basic_ad` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('facebook_ads', 'basic_ad') }}

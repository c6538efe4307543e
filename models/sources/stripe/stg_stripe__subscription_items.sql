{#- Stripe `subscription_item` as landed: declared columns typed, live rows
    (kpi_tree.connector_rows). -#}
{{ kpi_tree.connector_rows('stripe', 'subscription_item') }}

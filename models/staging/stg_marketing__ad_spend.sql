{{ kpi_tree.staged_model('ad_spend') }}

{{ kpi_tree.rejected_model('ad_spend') }}

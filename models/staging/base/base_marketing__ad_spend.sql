{{ kpi_tree.base_model('ad_spend', snapshot=true) }}

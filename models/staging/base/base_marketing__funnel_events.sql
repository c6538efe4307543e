{{ kpi_tree.base_model('funnel_events') }}

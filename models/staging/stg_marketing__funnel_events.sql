{{ kpi_tree.staged_model('funnel_events') }}

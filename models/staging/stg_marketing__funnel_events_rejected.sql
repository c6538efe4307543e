{{ kpi_tree.rejected_model('funnel_events') }}

{{ kpi_tree.metric_view('high_intent_sessions') }}

{{ kpi_tree.metric_view('opportunities_per_persona_account') }}

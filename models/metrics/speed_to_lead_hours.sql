{{ kpi_tree.metric_view('speed_to_lead_hours') }}

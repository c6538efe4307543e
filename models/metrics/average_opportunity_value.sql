{{ kpi_tree.metric_view('average_opportunity_value') }}

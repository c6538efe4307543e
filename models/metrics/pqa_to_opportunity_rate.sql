{{ kpi_tree.metric_view('pqa_to_opportunity_rate') }}

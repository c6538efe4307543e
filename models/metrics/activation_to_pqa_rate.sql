{{ kpi_tree.metric_view('activation_to_pqa_rate') }}

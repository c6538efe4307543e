{{ kpi_tree.metric_view('average_deal_size') }}

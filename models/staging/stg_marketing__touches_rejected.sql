{{ kpi_tree.rejected_model('touches') }}

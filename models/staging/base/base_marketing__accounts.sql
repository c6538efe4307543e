{{ kpi_tree.base_model('accounts', snapshot=true) }}

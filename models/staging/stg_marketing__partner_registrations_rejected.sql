{{ kpi_tree.rejected_model('partner_registrations') }}

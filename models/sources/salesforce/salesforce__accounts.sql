{#- The raw contract's accounts from Salesforce: the accounts the seeds map (staging reads it through kpi_tree.raw_relation). -#}
select account_id, segment, is_target_account, region
from {{ ref('salesforce__accounts_classified') }}
where rejection_reason is null

{#- The raw contract's accounts from HubSpot: the accounts the seeds map (staging reads it
    through kpi_tree.raw_relation). -#}

with

accounts as (

    select * from {{ ref('hubspot__accounts_classified') }}

),

final as (

    select
        account_id,
        segment,
        is_target_account,
        region

    from accounts
    where rejection_reason is null

)

select * from final

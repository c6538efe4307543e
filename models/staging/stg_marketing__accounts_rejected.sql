with

accounts as (

    select * from {{ ref('base_marketing__accounts') }}

),

final as (

    select
        rejection_reason,
        account_id,
        segment,
        is_target_account,
        region

    from accounts
    where rejection_reason is not null

)

select * from final

{{ config(materialized='table') }}

with

accounts as (

    select * from {{ ref('base_marketing__accounts') }}

),

final as (

    select
        account_id,
        segment,
        coalesce(is_target_account, false) as is_target_account,
        region,
        -- a second row for an account is rejected: each kept one is the only version
        1 as version_count

    from accounts
    where rejection_reason is null

)

select * from final

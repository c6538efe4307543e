{#- The Stripe customers no mapping resolves to an account (no metadata key of var
    stripe__customer_account_keys, no domain of stripe__customer_domain_keys the CRM
    knows), with the rows each kept out of the contract. -#}
with

rejected as (

    select * from {{ ref('stripe__rejected') }}
    where rejection_reason = 'unmatched_customer'

),

final as (

    select
        'customer' as unmapped_field,
        unmapped_value,
        'subscriptions' as contract_table,
        count(*) as row_count

    from rejected
    group by 1, 2, 3

)

select * from final

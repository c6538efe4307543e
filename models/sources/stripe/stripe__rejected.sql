{#- Every Stripe subscription, and every change of one, kept out of the contract, with why
    (see stripe__subscriptions_classified) and, for a customer no mapping resolves, the
    customer. -#}
with

subscriptions as (

    select * from {{ ref('stripe__subscriptions_classified') }}

),

changes as (

    select * from {{ ref('stripe__subscription_changes_classified') }}

),

final as (

    select
        'subscription' as record_kind,
        subscription_id,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as change_id,
        started_on as effective_on,
        arr as arr_usd,
        rejection_reason,
        unmapped_value

    from subscriptions
    where rejection_reason is not null
    union all
    select
        'subscription_change' as record_kind,
        changes.subscription_id,
        subscriptions.customer_id,
        changes.change_id,
        changes.effective_on,
        changes.arr_change as arr_usd,
        changes.rejection_reason,
        subscriptions.unmapped_value

    from changes
    left join subscriptions
        on changes.subscription_id = subscriptions.subscription_id
    where changes.rejection_reason is not null

)

select * from final

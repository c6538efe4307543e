{#- The contract's subscription_changes as staging reads them when var billing_connector
    is `stripe` (kpi_tree.raw_relation): every change of a subscription not quarantined,
    with exactly the contract's columns and types. -#}
with

classified as (

    select * from {{ ref('stripe__subscription_changes_classified') }}

),

final as (

    select
        change_id,
        subscription_id,
        account_id,
        change_type,
        effective_on,
        cast(arr_change as {{ kpi_tree.type_double() }}) as arr_change,
        {{ kpi_tree.crm_zoned('ingested_at') }} as ingested_at

    from classified
    where rejection_reason is null

)

select * from final

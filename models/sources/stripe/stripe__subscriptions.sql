{#- The contract's subscriptions as staging reads them when var billing_connector is
    `stripe` (kpi_tree.raw_relation): every subscription not quarantined, with exactly the
    contract's columns and types (ingested_at: when the connector wrote its first
    version). -#}
with

classified as (

    select * from {{ ref('stripe__subscriptions_classified') }}

),

final as (

    select
        subscription_id,
        account_id,
        opportunity_id,
        started_on,
        cast(term_months as integer) as term_months,
        cast(arr as {{ kpi_tree.type_double() }}) as arr,
        {{ kpi_tree.crm_zoned('ingested_at') }} as ingested_at

    from classified
    where rejection_reason is null

)

select * from final

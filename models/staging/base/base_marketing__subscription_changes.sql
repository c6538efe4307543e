{#-
    Every raw subscription change row (expansion, contraction, renewal, churn), typed
    and normalised, with its verdict: rejection_reason is null for a valid row, else
    the first rule it breaks. arr_change_usd is signed (negative for contraction and
    churn).
-#}

with

source as (

    select * from {{ source('marketing', 'subscription_changes') }}

),

normalised as (

    select
        cast(change_id as {{ dbt.type_string() }}) as change_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(trim(change_type)) as change_type,
        cast(effective_on as date) as effective_on,
        cast(arr_change as {{ kpi_tree.type_double() }}) as arr_change_usd,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_change_id', 'change_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_subscription_id', 'subscription_id is null'],
            ['missing_effective_on', 'effective_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_change_type',
                kpi_tree.not_in_vocabulary('change_type', var('subscription_change_types'))],
            ['missing_arr_change', 'arr_change_usd is null'],
        ]) }} as rejection_reason

    from normalised

)

select * from final

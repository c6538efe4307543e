{#-
    Every raw subscription row (one per closed-won deal, and the customers who predate
    the data), typed and normalised, with its verdict: rejection_reason is null for a
    valid row, else the first rule it breaks.
-#}

with

source as (

    select * from {{ source('marketing', 'subscriptions') }}

),

normalised as (

    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(started_on as date) as started_on,
        cast(term_months as {{ dbt.type_int() }}) as term_months,
        cast(arr as {{ kpi_tree.type_double() }}) as arr_usd,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_subscription_id', 'subscription_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_started_on', 'started_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['missing_arr', 'arr_usd is null'],
            ['negative_arr', 'arr_usd < 0'],
            ['invalid_term_months', 'coalesce(term_months, 0) <= 0'],
        ]) }} as rejection_reason

    from normalised

)

select * from final

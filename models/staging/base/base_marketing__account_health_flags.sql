{#-
    Every raw account health flag row (at risk, recovered), typed and normalised, with
    its verdict: rejection_reason is null for a valid row, else the first rule it
    breaks. The source's reason becomes flag_reason, beside rejection_reason.
-#}

with

source as (

    select * from {{ source('marketing', 'account_health') }}

),

normalised as (

    select
        cast(flag_id as {{ dbt.type_string() }}) as flag_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(flagged_on as date) as flagged_on,
        lower(trim(status)) as status,
        lower(trim(reason)) as flag_reason,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_flag_id', 'flag_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_flagged_on', 'flagged_on is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_status',
                kpi_tree.not_in_vocabulary('status', var('account_health_statuses'))],
        ]) }} as rejection_reason

    from normalised

)

select * from final

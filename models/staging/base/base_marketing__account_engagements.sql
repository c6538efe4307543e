{#-
    Every raw ABM engagement row (intent signals and engaged sessions), typed and
    normalised, with its verdict: rejection_reason is null for a valid row, else the
    first rule it breaks. Nothing is filtered here.
-#}

with

source as (

    select * from {{ source('marketing', 'account_engagement') }}

),

normalised as (

    select
        cast(engagement_id as {{ dbt.type_string() }}) as engagement_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        lower(trim(engagement_type)) as engagement_type,
        {{ kpi_tree.to_utc_timestamp('occurred_at') }} as occurred_at,
        source_system,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_engagement_id', 'engagement_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_occurred_at', 'occurred_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_engagement_type',
                kpi_tree.not_in_vocabulary('engagement_type', var('engagement_types'))],
            ['occurred_after_ingestion', 'occurred_at > ingested_at'],
        ]) }} as rejection_reason

    from normalised

)

select * from final

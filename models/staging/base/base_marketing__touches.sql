{#-
    Every raw marketing touch row (the journeys behind opportunities, for
    attribution), typed and normalised, with its verdict: rejection_reason is null for
    a valid row, else the first rule it breaks.
-#}

with

source as (

    select * from {{ source('marketing', 'touches') }}

),

normalised as (

    select
        cast(touch_id as {{ dbt.type_string() }}) as touch_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        lower(trim(channel)) as channel,
        campaign,
        {{ kpi_tree.to_utc_timestamp('touched_at') }} as touched_at,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_touch_id', 'touch_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_touched_at', 'touched_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_channel', kpi_tree.not_in_vocabulary('channel', var('channels'))],
            ['occurred_after_ingestion', 'touched_at > ingested_at'],
        ]) }} as rejection_reason

    from normalised

)

select * from final

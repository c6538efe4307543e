{#-
    Every raw funnel event row, typed and normalised, with the verdict staging
    acts on: rejection_reason is null for a valid row, else the first rule the
    row breaks. Nothing is filtered here. Valid rows go on to
    stg_marketing__funnel_events (one row per event_id, the latest version),
    the others to stg_marketing__funnel_events_rejected.
-#}

with

source as (

    select * from {{ source('marketing', 'funnel_events') }}

),

normalised as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        {{ kpi_tree.to_utc_timestamp('occurred_at') }} as occurred_at,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        lower(trim(event_type)) as event_type,
        lower(trim(motion)) as motion,
        lower(trim(channel)) as channel,
        campaign,
        cast(amount as {{ dbt.type_numeric() }}) as amount_usd,
        upper(trim(currency)) as currency,
        source_system,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

classified as (

    select
        *,
        case
            when event_id is null then 'missing_event_id'
            when account_id is null then 'missing_account_id'
            when occurred_at is null then 'missing_occurred_at'
            when ingested_at is null then 'missing_ingested_at'
            when
                coalesce(event_type, '')
                not in ({{ kpi_tree.sql_string_list(var('funnel_event_types')) }})
                then 'unknown_event_type'
            when coalesce(motion, '') not in ({{ kpi_tree.sql_string_list(var('motions')) }})
                then 'unknown_motion'
            when coalesce(channel, '') not in ({{ kpi_tree.sql_string_list(var('channels')) }})
                then 'unknown_channel'
            when amount_usd < 0 then 'negative_amount'
            when
                amount_usd is null
                and event_type in ({{ kpi_tree.sql_string_list(var('amount_event_types')) }})
                then 'missing_amount'
            when amount_usd is not null and coalesce(currency, '') != 'USD'
                then 'unsupported_currency'
            when occurred_at > ingested_at then 'occurred_after_ingestion'
        end as rejection_reason

    from normalised

),

final as (

    select
        event_id,
        occurred_at,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount_usd,
        currency,
        source_system,
        ingested_at,
        rejection_reason

    from classified

)

select * from final

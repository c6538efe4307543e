{#-
    Every raw funnel event row, typed and normalised, with the verdict staging
    acts on: load_outcome is 'loaded' (the latest version of a valid event),
    'duplicate' (an older version of a valid event that was re-sent) or
    'rejected' (rejection_reason says why). Nothing is filtered here, so the
    three outcomes always add up to the raw row count.
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

versioned as (

    select
        *,
        -- rank valid versions among themselves only: a rejected re-send must
        -- never push the valid version of the same event out
        case
            when rejection_reason is null
                then row_number() over (
                    partition by event_id, rejection_reason is null
                    order by ingested_at desc, occurred_at desc
                )
        end as version_rank

    from classified

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
        rejection_reason,
        case
            when rejection_reason is not null then 'rejected'
            when version_rank = 1 then 'loaded'
            else 'duplicate'
        end as load_outcome

    from versioned

)

select * from final

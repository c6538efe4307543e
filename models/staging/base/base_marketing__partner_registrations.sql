{#-
    Every raw partner deal registration row, typed and normalised, with its verdict:
    rejection_reason is null for a valid row, else the first rule it breaks.
-#}

with

source as (

    select * from {{ source('marketing', 'partner_registrations') }}

),

normalised as (

    select
        cast(registration_id as {{ dbt.type_string() }}) as registration_id,
        cast(partner_id as {{ dbt.type_string() }}) as partner_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {{ kpi_tree.to_utc_timestamp('registered_at') }} as registered_at,
        lower(trim(status)) as status,
        {{ kpi_tree.to_utc_timestamp('decided_at') }} as decided_at,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_registration_id', 'registration_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_registered_at', 'registered_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_status',
                kpi_tree.not_in_vocabulary('status', var('partner_registration_statuses'))],
            ['decided_before_registration', 'decided_at < registered_at'],
            ['occurred_after_ingestion', 'registered_at > ingested_at'],
        ]) }} as rejection_reason

    from normalised

)

select * from final

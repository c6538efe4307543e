{#- Every raw account row, typed, with its verdict (rejection_reason null = kept). -#}

with

source as (

    select * from {{ source('marketing', 'accounts') }}

),

normalised as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(trim(segment)) as segment,
        cast(is_target_account as {{ dbt.type_boolean() }}) as is_target_account,
        lower(trim(region)) as region

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id
            order by segment nulls last, region nulls last
        ) as key_rank

    from normalised

),

final as (

    select
        account_id,
        segment,
        is_target_account,
        region,
        case
            when account_id is null then 'missing_account_id'
            when coalesce(segment, '') not in ({{ kpi_tree.sql_string_list(var('segments')) }})
                then 'unknown_segment'
            when coalesce(region, '') not in ({{ kpi_tree.sql_string_list(var('regions')) }})
                then 'unknown_region'
            when key_rank > 1 then 'duplicate_account_id'
        end as rejection_reason

    from ranked

)

select * from final

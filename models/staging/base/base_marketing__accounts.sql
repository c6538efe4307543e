{#- Every raw account row, typed, with its verdict (rejection_reason null = kept). A
    second valid row for an account is rejected as a duplicate. The list is a full
    snapshot without a load time: rebuilt whole on every run (a table, so stg_ and the
    quarantine read raw once). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ kpi_tree.raw_relation('accounts') }}

),

normalised as (

    select
        {{ kpi_tree.normalised_id('account_id') }} as account_id,
        {{ kpi_tree.normalised_code('segment') }} as segment,
        cast(is_target_account as {{ dbt.type_boolean() }}) as is_target_account,
        {{ kpi_tree.normalised_code('region') }} as region

    from source

),

classified as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_account_id', 'account_id is null'],
            ['unknown_segment', kpi_tree.not_in_vocabulary('segment', var('segments'))],
            ['unknown_region', kpi_tree.not_in_vocabulary('region', var('regions'))],
        ]) }} as row_reason

    from normalised

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id, row_reason
            order by
                {{ kpi_tree.binary_collation('segment') }},
                {{ kpi_tree.binary_collation('region') }},
                is_target_account desc nulls last
        ) as key_rank

    from classified

),

final as (

    select
        account_id,
        segment,
        is_target_account,
        region,
        case
            when row_reason is not null then row_reason
            when key_rank > 1 then 'duplicate_account_id'
        end as rejection_reason

    from ranked

)

select * from final

{#-
    Every raw ad spend row, typed, with its verdict: rejection_reason is null for a
    row staging keeps. A second valid row for the same day, channel, motion and
    campaign is rejected as a duplicate rather than silently summed. A daily snapshot
    without a load time: rebuilt whole on every run (a table, so stg_ and the
    quarantine read raw once).
-#}
{{ config(materialized='table') }}
{%- set types = kpi_tree.raw_column_types(kpi_tree.raw_relation('ad_spend')) %}

with

source as (

    select * from {{ kpi_tree.raw_relation('ad_spend') }}

),

normalised as (

    select
        cast(spend_date as date) as spend_date,
        {{ kpi_tree.normalised_code('channel') }} as channel,
        {{ kpi_tree.normalised_code('motion') }} as motion,
        campaign,
        {{ kpi_tree.parsed_double('spend', types) }} as spend_usd,
        cast(spend as {{ dbt.type_string() }}) as raw_spend

    from source

),

classified as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_spend_date', 'spend_date is null'],
            ['unknown_channel', kpi_tree.not_in_vocabulary('channel', var('channels'))],
            ['unknown_motion', kpi_tree.not_in_vocabulary('motion', var('motions'))],
            ['missing_spend', 'raw_spend is null'],
        ] + kpi_tree.amount_rules('spend_usd', 'raw_spend', 'spend')) }} as row_reason

    from normalised

),

ranked as (

    select
        *,
        row_number() over (
            partition by spend_date, channel, motion, campaign, row_reason
            order by spend_usd desc
        ) as key_rank

    from classified

),

final as (

    select
        spend_date,
        channel,
        motion,
        campaign,
        spend_usd,
        raw_spend,
        case
            when row_reason is not null then row_reason
            when key_rank > 1 then 'duplicate_key'
        end as rejection_reason

    from ranked

)

select * from final

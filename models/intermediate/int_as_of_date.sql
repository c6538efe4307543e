{#- The as-of date: the last day with complete data, var kpi_as_of_date when set,
    else the latest day with funnel events, never after the load time (staging rejects
    events dated in the future, occurred_in_future; the cap is a second guard).
    Periods after it are not started; the period holding it is in progress, and plans
    count only its elapsed days. -#}
{%- set as_of_date = kpi_tree.typed_var('kpi_as_of_date') %}

with

funnel_days as (

    select * from {{ ref('int_funnel_events_aggregated_daily') }}

),

final as (

    select
        coalesce(
            cast({{ kpi_tree.quote_string(as_of_date) if as_of_date else 'null' }} as date),
            least(max(activity_date), cast({{ kpi_tree.load_time() }} as date))
        ) as as_of_date

    from funnel_days

)

select * from final

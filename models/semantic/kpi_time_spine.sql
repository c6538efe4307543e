{#- One row per day of the reporting calendar, kpi_calendar_start to
    kpi_calendar_end inclusive: MetricFlow's time spine, and the source of every
    period the metric views and the tree report on. Parsing it checks every typed
    var (macros/validation/typed_vars.sql), so a bad value stops every command. -#}
{%- do kpi_tree.check_vars() %}

with

days as (

    -- noqa: disable=LT02
    -- dbt.date_spine stops the day before its end date: end one day later
    {{ dbt.date_spine(
        'day',
        "cast('" ~ kpi_tree.typed_var('kpi_calendar_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ kpi_tree.typed_var('kpi_calendar_end') ~ "' as date)"),
    ) }}
    -- noqa: enable=LT02

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final

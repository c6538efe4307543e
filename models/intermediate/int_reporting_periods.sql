{#- The reporting spine: one row per grain and period of the calendar, so that
    a period with a target and no actuals still shows up. -#}

with

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

final as (

    select
        grain,
        period_start,
        max(date_day) as period_end,
        count(*) as days_in_period

    from calendar_periods
    group by 1, 2

)

select * from final

{#- The reporting spine: one row per grain, period and motion of the calendar,
    so that a period with a target and no actuals still shows up. -#}

with

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

periods as (

    select
        grain,
        period_start,
        max(date_day) as period_end,
        count(*) as days_in_period

    from calendar_periods
    group by 1, 2

),

motions as (

    -- one row per motion of var('motions'); sqlfluff cannot lay out a loop
    -- noqa: disable=LT02
    {% for motion in var('motions') -%}
    select {{ kpi_tree.quote_string(motion) }} as motion
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}
    -- noqa: enable=LT02

),

final as (

    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.days_in_period,
        motions.motion

    from periods
    cross join motions

)

select * from final

{#- Each day of the calendar mapped to the week (ISO, starting Monday), month and
    quarter it belongs to: one row per day and grain. Metric views join their
    daily facts to it once and group by grain and period. -#}

with

days as (

    select * from {{ ref('kpi_time_spine') }}

),

weeks as (

    select
        date_day,
        'week' as grain,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as period_start

    from days

),

months as (

    select
        date_day,
        'month' as grain,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as period_start

    from days

),

quarters as (

    select
        date_day,
        'quarter' as grain,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as period_start

    from days

),

final as (

    select * from weeks
    union all
    select * from months
    union all
    select * from quarters

)

select * from final

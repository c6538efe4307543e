{#-
    How good the forecast has been: every complete period of the history forecast
    at 25%, 50% and 75% of its days (tree_forecast_series, points at_25, at_50,
    at_75) by the method kpi_forecasts uses for the open period, against the
    period's final value. Per grain, node class (a count or amount; a ratio) and
    point: how often the 80% interval held the outcome (goal 0.80 +- 0.05) and the
    mean absolute percentage error, beside naive linear pacing's (the value so
    far times days in period over elapsed days; a ratio's value so far). A
    forecast with a spread from at least two reference periods and a positive
    final value counts (a percentage error of a zero is undefined).
-#}

with

series as (

    select * from {{ ref('tree_forecast_series') }}
    where
        forecast_point != 'open'
        and final_value > 0
        and prediction_log_sd is not null

),

intervals as (

    select
        *,
        prediction_log_sd * {{ kpi_tree.interval_t_quantile('error_count - 1') }}
            as interval_log_half_width

    from series

),

scored as (

    select
        grain,
        case forecast_method
            when 'ratio_of_forecasts' then 'ratio'
            else 'count_or_amount'
        end as node_class,
        forecast_point,
        case
            when
                forecast > 0
                and final_value >= forecast * exp(-interval_log_half_width)
                and final_value <= forecast * exp(interval_log_half_width)
                then 1
            else 0
        end as is_covered,
        abs(forecast - final_value) / final_value as absolute_pct_error,
        abs(linear_pacing - final_value) / final_value as linear_absolute_pct_error

    from intervals

),

final as (

    select
        grain,
        node_class,
        forecast_point,
        cast(count(*) as integer) as forecasts,
        cast(sum(is_covered) as integer) as covered,
        avg(cast(is_covered as {{ kpi_tree.type_double() }})) as interval_coverage,
        avg(absolute_pct_error) as mean_absolute_pct_error,
        avg(linear_absolute_pct_error) as linear_mean_absolute_pct_error,
        avg(absolute_pct_error) < avg(linear_absolute_pct_error) as beats_linear_pacing

    from scored
    group by 1, 2, 3

)

select * from final

{#-
    The forecast of every tree node for the period open at the as-of date, per
    motion, grain and drill-down: the end-of-period value, an 80% interval and
    the probability of reaching the target (by the node's direction).
    A count or amount is forecast from what has landed and the shape of past
    periods (tree_forecast_series: the share past periods had landed by the same
    elapsed day, at the node's motion in total, applied to this row's value so
    far and its mean over the same reference periods); a ratio is its numerator's
    forecast over its denominator's; a node that combines its drivers is their
    product or sum, from the leaves up, so the tree's identities hold on the
    forecasts. A derived metric with neither (a coverage, a payback) is held at
    its value so far. The interval and the probability use the spread of the log
    errors the node's metric made in the reference periods (Student's t, their
    count less one degrees of freedom); a drill-down borrows its total's spread;
    a combined node without a series of its own (a derived sum) its drivers'.
    Hook for the revenue cascade (issue 30, item 4): expected bookings from open
    pipeline would enter as a leaf's forecast in `direct_forecasts`.
-#}
{%- set reference_periods = kpi_tree.typed_var('kpi_forecast_reference_periods') %}
{%- set max_depth = kpi_tree.tree_max_depth() %}
{%- set row_keys = ['tree_id', 'motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'] %}

with

node_periods as (

    select * from {{ ref('tree_node_periods') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

series as (

    select * from {{ ref('tree_forecast_series') }}
    where forecast_point = 'open'

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- noqa: disable=LT02
-- each row's mean value, numerator and denominator over the reference periods
with_priors as (

    select
        node_periods.*,
        {%- for column in ['actual', 'numerator', 'denominator'] %}
        avg(node_periods.{{ column }}) over (
            partition by
                node_periods.tree_id, node_periods.node_id, node_periods.motion,
                node_periods.grain, node_periods.breakdown, node_periods.breakdown_value
            order by node_periods.period_start
            rows between {{ reference_periods }} preceding and 1 preceding
        ) as prior_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from node_periods
    where node_periods.period_state != 'not_started'

),
-- noqa: enable=LT02

open_rows as (

    select
        with_priors.*,
        nodes.metric_id,
        nodes.label,
        nodes.owner,
        nodes.unit,
        nodes.depth,
        nodes.role,
        nodes.parent_node_id,
        nodes.combine,
        nodes.driver_count,
        nodes.direction,
        coalesce(nodes.pinned_motion, with_priors.motion) as metric_motion

    from with_priors
    inner join nodes
        on
            with_priors.tree_id = nodes.tree_id
            and with_priors.node_id = nodes.node_id
    where with_priors.period_state = 'in_progress' and not with_priors.is_maturing

),

-- noqa: disable=LT02
-- each node's own forecast, before its drivers are combined
direct_forecasts as (

    select
        open_rows.*,
        series.landed_share,
        series.denominator_landed_share,
        series.error_count,
        series.prediction_log_sd,
        case
            when series.forecast_method = 'ratio_of_forecasts' and open_rows.numerator is not null
                then 'ratio_of_forecasts'
            when series.forecast_method = 'landed_share' then 'landed_share'
            else 'value_so_far'
        end as direct_method,
        case
            when series.forecast_method = 'ratio_of_forecasts' and open_rows.numerator is not null
                then {{ kpi_tree.forecast_from_share(
                    'open_rows.numerator',
                    'coalesce(series.landed_share, 0)',
                    'coalesce(open_rows.prior_numerator, 0)',
                ) }} / nullif({{ kpi_tree.forecast_from_share(
                    'coalesce(open_rows.denominator, 0)',
                    'coalesce(series.denominator_landed_share, 0)',
                    'coalesce(open_rows.prior_denominator, 0)',
                ) }}, 0)
            when series.forecast_method = 'landed_share'
                then {{ kpi_tree.forecast_from_share(
                    'coalesce(open_rows.actual, 0)',
                    'coalesce(series.landed_share, 0)',
                    'coalesce(open_rows.prior_actual, 0)',
                ) }}
            else open_rows.actual
        end as direct_forecast

    from open_rows
    left join series
        on
            open_rows.metric_id = series.metric_id
            and open_rows.metric_motion = series.value_motion
            and open_rows.grain = series.grain
            and open_rows.period_start = series.period_start

),

-- from the deepest nodes up: a node combining its drivers takes their product or sum
level_{{ max_depth + 1 }} as (

    select
        *,
        direct_method as forecast_method,
        direct_forecast as forecast,
        prediction_log_sd as spread_log_sd,
        error_count as spread_count

    from direct_forecasts
    where 1 = 0

),
{%- for depth in range(max_depth, -1, -1) %}
{%- set drivers = 'drivers_of_level_' ~ depth %}
{%- set combines = 'direct_forecasts.combines_drivers and ' ~ drivers %}
{%- set is_combined = combines ~ '.drivers_forecast = direct_forecasts.driver_count' %}
{%- set takes_spread = 'direct_forecasts.prediction_log_sd is null and '
    ~ combines ~ '.drivers_spread = direct_forecasts.driver_count' %}

{{ drivers }} as (

    select
        {%- for key in row_keys %}
        {{ key }},
        {%- endfor %}
        parent_node_id as node_id,
        count(forecast) as drivers_forecast,
        {{ kpi_tree.product_aggregate('forecast') }} as forecast_product,
        sum(forecast) as forecast_sum,
        -- a node without a spread of its own (a derived metric) takes its drivers',
        -- as if independent: log variances add up in a product, variances in a sum
        count(spread_log_sd) as drivers_spread,
        sqrt(sum(spread_log_sd * spread_log_sd)) as product_log_sd,
        sqrt(sum(forecast * spread_log_sd * forecast * spread_log_sd))
        / nullif(sum(forecast), 0) as sum_log_sd,
        min(spread_count) as min_spread_count

    from level_{{ depth + 1 }}
    where role = 'driver' and parent_node_id is not null
    group by 1, 2, 3, 4, 5, 6, 7

),

level_{{ depth }} as (

    select
        direct_forecasts.*,
        {{ kpi_tree.combined_or_own(
            is_combined, "'combined_drivers'", "'combined_drivers'", 'direct_forecasts.direct_method'
        ) }} as forecast_method,
        {{ kpi_tree.combined_or_own(
            is_combined,
            drivers ~ '.forecast_product',
            drivers ~ '.forecast_sum',
            'direct_forecasts.direct_forecast',
        ) }} as forecast,
        -- a node's own spread first; a combined node without one takes its drivers'
        {{ kpi_tree.combined_or_own(
            takes_spread,
            drivers ~ '.product_log_sd',
            drivers ~ '.sum_log_sd',
            'direct_forecasts.prediction_log_sd',
        ) }} as spread_log_sd,
        {{ kpi_tree.combined_or_own(
            takes_spread,
            drivers ~ '.min_spread_count',
            drivers ~ '.min_spread_count',
            'direct_forecasts.error_count',
        ) }} as spread_count

    from direct_forecasts
    left join {{ drivers }}
        on{{ kpi_tree.keys_equal('direct_forecasts', drivers, row_keys + ['node_id']) }}
    where direct_forecasts.depth = {{ depth }}

    union all

    select * from level_{{ depth + 1 }}

),
{%- endfor %}
-- noqa: enable=LT02

with_spread as (

    select
        *,
        spread_log_sd
        * {{ kpi_tree.interval_t_quantile('spread_count - 1') }}
            as interval_log_half_width,
        -- the standardised distance to the target, scaled so the interval's ends
        -- sit at 10% and 90%
        case
            when forecast > 0 and target > 0
                then {{ kpi_tree.forecast_interval_z() }} * ln(forecast / target) / nullif(
                    spread_log_sd * {{ kpi_tree.interval_t_quantile('spread_count - 1') }}, 0
                )
        end as target_distance

    from level_0

),

final as (

    select
        with_spread.tree_id,
        with_spread.node_id,
        with_spread.metric_id,
        with_spread.label,
        with_spread.owner,
        with_spread.unit,
        cast(with_spread.depth as integer) as depth,
        with_spread.motion,
        with_spread.metric_motion,
        with_spread.grain,
        with_spread.period_start,
        with_spread.period_end,
        with_spread.breakdown,
        with_spread.breakdown_value,
        as_of.as_of_date,
        cast(with_spread.elapsed_days as integer) as elapsed_days,
        cast(with_spread.days_in_period as integer) as days_in_period,
        with_spread.actual,
        with_spread.target,
        with_spread.direction,
        with_spread.forecast_method,
        with_spread.forecast,
        case
            when with_spread.forecast > 0 and with_spread.interval_log_half_width is not null
                then with_spread.forecast * exp(-with_spread.interval_log_half_width)
        end as forecast_low,
        case
            when with_spread.forecast > 0 and with_spread.interval_log_half_width is not null
                then with_spread.forecast * exp(with_spread.interval_log_half_width)
        end as forecast_high,
        case
            when with_spread.target is null or with_spread.forecast is null then null
            when with_spread.target_distance is not null
                then case
                    when with_spread.direction = 'lower_is_better'
                        then 1 - {{ kpi_tree.normal_cdf('with_spread.target_distance') }}
                    else {{ kpi_tree.normal_cdf('with_spread.target_distance') }}
                end
            -- no spread, or a value at or below zero: reached or not, as the forecast says
            when
                with_spread.direction = 'lower_is_better'
                and with_spread.forecast <= with_spread.target
                then 1.0
            when with_spread.direction = 'lower_is_better' then 0.0
            when with_spread.forecast >= with_spread.target then 1.0
            else 0.0
        end as probability_of_target,
        with_spread.landed_share,
        cast(with_spread.spread_count as integer) as reference_periods

    from with_spread
    cross join as_of

)

select * from final

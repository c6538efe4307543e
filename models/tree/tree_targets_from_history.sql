{#-
    Targets set from history (seeds/kpi_target_rules.csv): for each period a
    rule covers, the metric's baseline times the declared uplift, better in the
    metric's direction (a 25% uplift raises pipeline by 25% and lowers a cost by
    25%):
      same_period_last_year  the value 52 weeks, 12 months or 4 quarters earlier
      trailing_quarter       the quarter before the period (13 weeks, 3 months,
                             1 quarter): counts and dollars per period on
                             average, ratios as the ratio of the sums
    A rule names a metric, a motion (blank: each motion, or the total without
    motions, var kpi_motions empty; `all`: the total), the
    grain it sets targets at (they roll to the other grains like entered ones),
    the first and last period it covers: several rules phase an uplift across
    quarters (Q1 20%, Q2 25%, ...). A period without a baseline, or with a
    baseline of zero (the motion had not started a year earlier: ABM's first
    pipeline comes months into the data), gets no target from the rule: an
    entered target applies there.
-#}
{%- set windows = {'week': 13, 'month': 3, 'quarter': 1} %}
{%- set last_year = {'week': 52, 'month': 12, 'quarter': 4} %}

{#- without motions (var kpi_motions empty), a blank motion is the total, `all` -#}
{%- set blank_motion = "coalesce(motion, 'all')" if not kpi_tree.typed_var('kpi_motions')
    else 'motion' %}

with

rules as (

    {{ kpi_tree.engine_seed_rows('kpi_target_rules') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

metric_values as (

    select * from {{ ref('tree_metric_values') }}
    where breakdown in ('total', 'motion')

),

metrics as (

    select distinct
        metric_id,
        direction,
        is_additive

    from nodes

),

-- noqa: disable=LT02
baselines as (

    select
        metric_values.metric_id,
        metric_values.grain,
        metric_values.period_start,
        coalesce(metric_values.motion, 'all') as motion,
        {%- for name, lags in [('same_period_last_year', last_year)] %}
        case metric_values.grain
            {%- for grain, periods in lags.items() %}
            when '{{ grain }}' then lag(metric_values.value, {{ periods }}) over (
                partition by metric_values.metric_id, metric_values.grain, metric_values.motion
                order by metric_values.period_start
            )
            {%- endfor %}
        end as {{ name }},
        {%- endfor %}
        {%- for column in ['value', 'numerator', 'denominator'] %}
        case metric_values.grain
            {%- for grain, periods in windows.items() %}
            when '{{ grain }}' then sum(metric_values.{{ column }}) over (
                partition by metric_values.metric_id, metric_values.grain, metric_values.motion
                order by metric_values.period_start
                rows between {{ periods }} preceding and 1 preceding
            )
            {%- endfor %}
        end as trailing_{{ column }},
        {%- endfor %}
        case metric_values.grain
            {%- for grain, periods in windows.items() %}
            when '{{ grain }}' then {{ periods }}
            {%- endfor %}
        end as trailing_periods

    from metric_values

),
-- noqa: enable=LT02

typed_rules as (

    select
        rule_id,
        metric_id,
        grain,
        {{ blank_motion }} as motion,
        baseline,
        cast(uplift as {{ kpi_tree.type_double() }}) as uplift,
        cast(starts_on as date) as starts_on,
        cast(ends_on as date) as ends_on

    from rules

),

applied as (

    select
        typed_rules.rule_id,
        baselines.metric_id,
        baselines.grain,
        baselines.period_start,
        baselines.motion,
        case typed_rules.baseline
            when 'same_period_last_year' then baselines.same_period_last_year
            when 'trailing_quarter'
                then case
                    when metrics.is_additive
                        then baselines.trailing_value / baselines.trailing_periods
                    when baselines.trailing_denominator is not null
                        then
                            baselines.trailing_numerator
                            / nullif(baselines.trailing_denominator, 0)
                    else baselines.trailing_value / baselines.trailing_periods
                end
        end as baseline_value,
        case when metrics.direction = 'lower_is_better' then -1 else 1 end
        * typed_rules.uplift as directed_uplift

    from typed_rules
    inner join metrics
        on typed_rules.metric_id = metrics.metric_id
    inner join baselines
        on
            typed_rules.metric_id = baselines.metric_id
            and typed_rules.grain = baselines.grain
            and (
                typed_rules.motion = baselines.motion
                or (typed_rules.motion is null and baselines.motion != 'all')
            )
            and typed_rules.starts_on <= baselines.period_start
            and (typed_rules.ends_on is null or typed_rules.ends_on >= baselines.period_start)

),

final as (

    select
        metric_id,
        grain,
        period_start,
        motion,
        baseline_value * (1 + directed_uplift) as target,
        baseline_value,
        rule_id

    from applied
    where baseline_value > 0

)

select * from final

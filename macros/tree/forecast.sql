{% macro forecast_from_share(to_date, share, prior) -%}
    {#- The end-of-period forecast of a count or amount from what has landed
        (to_date), the share of a period's final value past periods had landed by
        the same elapsed day (share) and their mean final value (prior): Benktander's
        credibility blend of the chain ladder (to_date / share) and the prior,
        credibility the share. Written without dividing by the share, so nothing
        landed yet gives to_date + prior, and share 1 gives to_date. -#}
    ({{ to_date }} + (1 - {{ share }}) * ({{ to_date }} + (1 - {{ share }}) * {{ prior }}))
{%- endmacro %}


{% macro normal_cdf(x) -%}
    {#- The standard normal distribution function at x, from exp and abs only (every
        engine has them; erf is not portable): Abramowitz and Stegun 26.2.17, error
        below 7.5e-8. -#}
    {%- set t = '(1 / (1 + 0.2316419 * abs(' ~ x ~ ')))' -%}
    (case when {{ x }} >= 0 then 1 - {{ kpi_tree.normal_tail(x, t) }}
        else {{ kpi_tree.normal_tail(x, t) }} end)
{%- endmacro %}


{% macro normal_tail(x, t) -%}
    {#- The upper tail of the standard normal at |x| (normal_cdf's series); t is
        1 / (1 + 0.2316419 |x|). -#}
    (0.3989422804014327 * {{ kpi_tree.exp_or_zero('-0.5 * ' ~ x ~ ' * ' ~ x) }} * {{ t }} * (0.319381530 + {{ t }}
        * (-0.356563782 + {{ t }} * (1.781477937 + {{ t }}
        * (-1.821255978 + {{ t }} * 1.330274429)))))
{%- endmacro %}


{% macro forecast_interval_z() -%}
    {#- The standard normal quantile of the forecast's 80% interval's ends (10% and
        90%). -#}
    {{ return('1.2815515655') }}
{%- endmacro %}


{% macro interval_t_quantile(degrees_of_freedom) -%}
    {#- Student's t quantile at 90% for the given degrees of freedom (SQL), for the
        80% interval of a forecast whose spread is estimated from few references:
        the normal's 1.2816 from 30 on. -#}
    {%- set quantiles = [
        (1, 3.0777), (2, 1.8856), (3, 1.6377), (4, 1.5332), (5, 1.4759), (6, 1.4398),
        (7, 1.4149), (8, 1.3968), (9, 1.3830), (10, 1.3722), (12, 1.3562), (15, 1.3406),
        (20, 1.3253), (30, 1.3104),
    ] -%}
    (case
        {%- for df, quantile in quantiles %}
        when {{ degrees_of_freedom }} <= {{ df }} then {{ quantile }}
        {%- endfor %}
        else {{ kpi_tree.forecast_interval_z() }}
    end)
{%- endmacro %}


{% macro series_value(column) -%}
    {#- In a group of a metric's series rows (part value, or numerator and
        denominator), the metric's own: the value's, else the numerator's over the
        denominator's. -#}
    coalesce(
        max(case when part = 'value' then {{ column }} end),
        max(case when part = 'numerator' then {{ column }} end)
        / nullif(max(case when part = 'denominator' then {{ column }} end), 0)
    )
{%- endmacro %}


{% macro combined_or_own(is_combined, if_product, if_sum, otherwise) -%}
    {#- A forecast column of a tree node: from its drivers when it combines them
        (is_combined: the product's or the sum's expression, by the node's combine),
        else its own. -#}
    case
        when {{ is_combined }}
            then case direct_forecasts.combine
                when 'product' then {{ if_product }}
                when 'sum' then {{ if_sum }}
            end
        else {{ otherwise }}
    end
{%- endmacro %}

{#-
    The calendar of the compiler: the grains a view reports at and the periods
    they divide the time spine into. Periods are computed from the data's own
    dates (date_trunc), so a row outside the time spine never vanishes; the time
    spine only adds the periods without data, so they show up too.
-#}

{% macro default_grains() -%}
    {#- The grains of a metric view unless it names its own: var('metric_view_grains'). -#}
    {{ return(var('metric_view_grains', ['day', 'week', 'month', 'quarter', 'year'])) }}
{%- endmacro %}


{% macro check_grains(grains, metric_name) -%}
    {%- for grain in grains if grain not in ['day', 'week', 'month', 'quarter', 'year'] -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_grain',
            "grain '" ~ grain ~ "' is not one of day, week, month, quarter, year") }}
    {%- endfor -%}
    {{ return(grains) }}
{%- endmacro %}


{% macro truncate_to_grain(grain, date_sql) -%}
    {{ return(adapter.dispatch('truncate_to_grain', 'kpi_tree')(grain, date_sql)) }}
{%- endmacro %}

{#- The first day of the period at `grain` (a literal: day, week, month, quarter,
    year) that contains date_sql, as a date. Weeks are ISO weeks, starting Monday. -#}
{% macro default__truncate_to_grain(grain, date_sql) -%}
    {%- if grain == 'day' -%}
        cast({{ date_sql }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_sql) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- BigQuery's `week` starts on Sunday; MetricFlow's weeks are ISO weeks. -#}
{% macro bigquery__truncate_to_grain(grain, date_sql) -%}
    {%- if grain == 'day' -%}
        date({{ date_sql }})
    {%- else -%}
        date_trunc(date({{ date_sql }}), {{ 'isoweek' if grain == 'week' else grain }})
    {%- endif -%}
{%- endmacro %}


{% macro period_start_sql(grain_column, date_sql, grains) -%}
    {#- The period start of date_sql at the grain held in grain_column (one row per grain). -#}
    {%- if grains | length == 1 -%}
        {{ kpi_tree.truncate_to_grain(grains[0], date_sql) }}
    {%- else -%}
        case {{ grain_column }}
            {%- for grain in grains %}
            when '{{ grain }}' then {{ kpi_tree.truncate_to_grain(grain, date_sql) }}
            {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}


{% macro add_calendar(plan) -%}
    {#- The calendar steps every plan starts with: the grains, and the periods of
        the time spine at each grain. -#}
    {%- set grains_sql -%}
    {%- for grain in plan.grains %}
    select '{{ grain }}' as grain
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, 'calendar__grains', grains_sql) -%}
    {%- set periods_sql -%}
    select distinct
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'time_spine.' ~ plan.time_spine_column, plan.grains) }} as period_start

    from time_spine
    cross join calendar__grains
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, 'calendar__periods', periods_sql) -%}
{%- endmacro %}

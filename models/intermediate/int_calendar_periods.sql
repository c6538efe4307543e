{#- Each day of the calendar mapped to the week (ISO, starting Monday), month and
    quarter it belongs to: one row per day and grain. Metric views join their
    daily facts to it once and group by grain and period. The calendar is the
    time spine the metrics use (var metric_time_spine: the demo's kpi_time_spine,
    or the adopter's own), within kpi_calendar_start / kpi_calendar_end when set. -#}
{%- do kpi_tree.check_vars() %}
{%- set spine_model = kpi_tree.time_spine_model() %}
{%- if spine_model is none and execute %}
    {#- raised when the model runs, not at parse: a project that uses only the
        compiler (no trees, no time spine) still parses and compiles its views -#}
    {{ exceptions.raise_compiler_error(
        "int_calendar_periods: the trees need a calendar, and var metric_time_spine is null: "
        ~ "name your time spine model in var metric_time_spine") }}
{%- endif %}
{%- set day_column = kpi_tree.time_spine_column(kpi_tree.model_node(spine_model))
    if execute else 'date_day' %}
{%- set calendar_start = kpi_tree.typed_var('kpi_calendar_start') %}
{%- set calendar_end = kpi_tree.typed_var('kpi_calendar_end') %}
{%- set day = 'cast(' ~ day_column ~ ' as date)' %}
{%- set bounds = [] %}
{%- if calendar_start %}
    {%- do bounds.append(day ~ " >= cast('" ~ calendar_start ~ "' as date)") %}
{%- endif %}
{%- if calendar_end %}
    {%- do bounds.append(day ~ " <= cast('" ~ calendar_end ~ "' as date)") %}
{%- endif %}

with

time_spine as (

    select * from {{ ref(spine_model) if spine_model is not none else 'no_time_spine' }}

),

days as (

    select cast({{ day_column }} as date) as date_day
    from time_spine
    where {{ bounds | join(' and ') if bounds else 'true' }}

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

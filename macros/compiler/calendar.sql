{#-
    The calendar of the compiler: the time spine's days, the grains a view
    reports at and the periods they divide the time spine into. Periods of
    ordinary metrics are computed from the data's own dates (date_trunc), so a
    row outside the time spine never vanishes; the time spine adds the periods
    without data, so they show up too. Cumulative metrics and offsets are
    computed on the time spine's days, as MetricFlow computes them: a row
    outside it would be missing from them, so the model fails when it is built,
    naming the metric and the dates (check_rows_inside_time_spine).
-#}

{% macro standard_grains() -%}
    {{ return(['day', 'week', 'month', 'quarter', 'year']) }}
{%- endmacro %}


{% macro grain_order(grain) -%}
    {#- day < week < month < quarter < year; finer granularities count as day. -#}
    {%- set grains = kpi_tree.standard_grains() -%}
    {{ return(grains.index(grain) if grain in grains else 0) }}
{%- endmacro %}


{% macro default_grains() -%}
    {#- The grains of a metric view unless it names its own: var('metric_view_grains'). -#}
    {{ return(kpi_tree.typed_var('metric_view_grains')) }}
{%- endmacro %}


{% macro check_grains(grains, metric_name) -%}
    {%- for grain in grains if grain not in kpi_tree.standard_grains() -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_grain',
            "grain '" ~ grain ~ "' is not one of day, week, month, quarter, year") }}
    {%- endfor -%}
    {{ return(grains) }}
{%- endmacro %}


{% macro time_spine_model() -%}
    {#- The model the calendar comes from: var('metric_time_spine') (default
        metricflow_time_spine, MetricFlow's usual name); none when the var is set
        to none (the calendar then comes from the data alone). -#}
    {{ return(kpi_tree.typed_var('metric_time_spine')) }}
{%- endmacro %}


{% macro time_spine_column(spine_node) -%}
    {#- The time spine's day column, as the semantic manifest declares it
        (time_spine.standard_granularity_column), else date_day. -#}
    {%- set config = spine_node.time_spine if spine_node.time_spine is defined else none -%}
    {%- set column = (config or {}).get('standard_granularity_column') or 'date_day' -%}
    {{ return(kpi_tree.safe_identifier(column, spine_node.name, 'time spine column')) }}
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


{% macro shift_date(date_sql, count, granularity) -%}
    {#- date_sql moved by count days, weeks, months, quarters or years, as a date
        (the end of a shorter month clamps: 31 March - 1 month = 28 February). -#}
    {%- if granularity == 'quarter' -%}
        {%- set granularity, count = 'month', count * 3 -%}
    {%- elif granularity == 'week' -%}
        {%- set granularity, count = 'day', count * 7 -%}
    {%- endif -%}
    cast({{ dbt.dateadd(granularity, count, date_sql) | trim }} as date)
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


{% macro grain_list(grains) -%}
    {#- A SQL list of grain literals: ('day', 'week'). -#}
    {%- set quoted = [] -%}
    {%- for grain in grains -%}
        {%- do quoted.append("'" ~ grain ~ "'") -%}
    {%- endfor -%}
    {{ return('(' ~ quoted | join(', ') ~ ')') }}
{%- endmacro %}


{% macro add_calendar(plan) -%}
    {#- The calendar steps every plan starts with: the time spine's days, the
        grains, and the periods of the time spine at each grain. Without a time
        spine the calendar is empty and periods come from the data alone. -#}
    {%- set days_sql -%}
    {%- if plan.time_spine_column %}
    select distinct cast({{ plan.time_spine_column }} as date) as date_day
    from time_spine
    {%- else %}
    select cast(null as date) as date_day
    where 1 = 0
    {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, 'calendar__days', days_sql) -%}
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
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'calendar__days.date_day', plan.grains) }} as period_start

    from calendar__days
    cross join calendar__grains
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, 'calendar__periods', periods_sql) -%}
{%- endmacro %}


{% macro require_time_spine(plan, source, metric_name, what) -%}
    {#- Cumulative metrics and offsets are computed on the time spine's days: they
        need one, and every row of their measures inside it (checked when the
        model is built, check_rows_inside_time_spine). -#}
    {%- if not plan.time_spine_column -%}
        {{ kpi_tree.fail(metric_name, 'missing_time_spine', what ~ ' is computed on the days of the '
            ~ 'time spine: set var metric_time_spine to the time spine model') }}
    {%- endif -%}
    {%- set check = {
        'metric': metric_name,
        'semantic_model': source.semantic_model.name,
        'relation': source.semantic_model.node_relation.relation_name,
        'time_sql': kpi_tree.agg_time_dimension(source.semantic_model, source.measure, metric_name).sql,
    } -%}
    {%- if check not in plan.spine_checks -%}
        {%- do plan.spine_checks.append(check) -%}
    {%- endif -%}
{%- endmacro %}


{% macro check_rows_inside_time_spine(plan) -%}
    {#-
        When the model is built: the rows of the measures that cumulative metrics
        and offsets read must fall inside the time spine, or they would be
        missing from them. Fails naming the metric and the dates (rule
        rows_outside_time_spine), or only warns with var
        metric_rows_outside_time_spine: warn.
    -#}
    {%- if not execute or not plan.spine_checks or flags.WHICH not in ['run', 'build'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set spine = ref(kpi_tree.time_spine_model()) -%}
    {%- set day = 'cast(' ~ plan.time_spine_column ~ ' as date)' -%}
    {%- set query -%}
    {%- for check in plan.spine_checks %}
    select
        {{ kpi_tree.quote_string(check.metric) }} as metric_name,
        {{ kpi_tree.quote_string(check.semantic_model) }} as semantic_model,
        cast(min(cast({{ check.time_sql }} as date)) as {{ dbt.type_string() }}) as first_date,
        cast(max(cast({{ check.time_sql }} as date)) as {{ dbt.type_string() }}) as last_date,
        count(*) as rows_outside,
        cast((select min({{ day }}) from {{ spine }}) as {{ dbt.type_string() }}) as spine_start,
        cast((select max({{ day }}) from {{ spine }}) as {{ dbt.type_string() }}) as spine_end
    from {{ check.relation }}
    where cast({{ check.time_sql }} as date) < (select min({{ day }}) from {{ spine }})
        or cast({{ check.time_sql }} as date) > (select max({{ day }}) from {{ spine }})
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- endset -%}
    {%- set errors = [] -%}
    {%- for row in run_query(query).rows if row[4] > 0 -%}
        {%- do errors.append([row[0], 'rows_outside_time_spine', row[4] ~ " rows of semantic model '"
            ~ row[1] ~ "' from " ~ row[2] ~ " to " ~ row[3] ~ " fall outside the time spine (" ~ row[5]
            ~ " to " ~ row[6] ~ "); cumulative metrics and offsets are computed on its days, so "
            ~ "extend the time spine to cover them"]) -%}
    {%- endfor -%}
    {%- if errors and kpi_tree.typed_var('metric_rows_outside_time_spine') == 'warn' -%}
        {%- for metric_name, rule, detail in errors -%}
            {%- do exceptions.warn(kpi_tree.definition_error(metric_name, rule, detail)) -%}
        {%- endfor -%}
    {%- else -%}
        {%- do kpi_tree.fail_all(errors) -%}
    {%- endif -%}
{%- endmacro %}

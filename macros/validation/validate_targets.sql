{% macro validate_targets(targets_relation) -%}
    {#-
        Checks every row of the targets seed before it is used and fails the
        build listing each broken row with its metric and rule: unknown metric,
        grain or motion, a period_start that is not a date or not the first day
        of its period, a target that is not a plain number (a text, or a range
        such as 10-20%), a target of a product node that is not positive (the
        cascade divides by it), two rows for the same metric, grain, period and
        motion. Execute time only.
    -#}
    {#- Skipped while the relation is not built yet (compiling or linting a fresh
        project); `dbt build` always builds it first. -#}
    {%- if not execute or load_relation(targets_relation) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = kpi_tree.kpi_nodes() -%}
    {%- set rows = run_query(
        'select metric_id, grain, period_start, motion, target from ' ~ targets_relation
    ).rows -%}
    {%- set re = modules.re -%}
    {%- set errors = [] -%}
    {%- set seen = {} -%}
    {%- for row in rows -%}
        {%- set metric_id, grain, period_start, motion, target = row -%}
        {%- set where = ' (seeds/kpi_targets.csv: ' ~ [metric_id, grain, period_start or '', motion or '', target]
            | join(',') ~ ')' -%}
        {%- set key = [metric_id, grain, period_start, motion] | join('|') -%}
        {%- if metric_id not in nodes -%}
            {%- do errors.append([metric_id, 'unknown_target_metric', 'no tree metric by that name' ~ where]) -%}
        {%- endif -%}
        {%- if grain not in ['week', 'month', 'quarter'] -%}
            {%- do errors.append([metric_id, 'invalid_target_grain',
                "grain '" ~ grain ~ "' is not week, month or quarter" ~ where]) -%}
        {%- endif -%}
        {%- if motion and motion not in var('motions') -%}
            {%- do errors.append([metric_id, 'invalid_target_motion',
                "motion '" ~ motion ~ "' is not one of " ~ var('motions') | join(', ') ~ where]) -%}
        {%- endif -%}
        {%- if period_start -%}
            {%- set parsed = none -%}
            {%- if re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', period_start) -%}
                {%- set parsed = kpi_tree.parse_date(period_start) -%}
            {%- endif -%}
            {%- if parsed is none -%}
                {%- do errors.append([metric_id, 'invalid_target_period',
                    "period_start '" ~ period_start ~ "' is not a date (YYYY-MM-DD)" ~ where]) -%}
            {%- elif (grain == 'week' and parsed.weekday() != 0)
                or (grain == 'month' and parsed.day != 1)
                or (grain == 'quarter' and (parsed.day != 1 or parsed.month not in [1, 4, 7, 10])) -%}
                {%- do errors.append([metric_id, 'invalid_target_period',
                    "period_start " ~ period_start ~ " is not the first day of a " ~ grain
                    ~ " (weeks start on Monday)" ~ where]) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if not re.fullmatch('-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?', (target or '') | trim) -%}
            {%- do errors.append([metric_id, 'target_not_a_number',
                "target '" ~ target ~ "' is not a number (write a rate as a fraction: 0.25, not 25% or a range)"
                ~ where]) -%}
        {%- elif metric_id in nodes and (target | float) <= 0
            and (nodes[metric_id].combine == 'product'
                or (nodes[metric_id].parent and nodes[nodes[metric_id].parent].combine == 'product'
                    and nodes[metric_id].role == 'driver')) -%}
            {%- do errors.append([metric_id, 'target_not_positive',
                'targets of a product node and its drivers must be positive (the cascade divides by them)'
                ~ where]) -%}
        {%- endif -%}
        {%- if key in seen -%}
            {%- do errors.append([metric_id, 'duplicate_target',
                'two rows for the same metric, grain, period and motion' ~ where]) -%}
        {%- endif -%}
        {%- do seen.update({key: true}) -%}
    {%- endfor -%}
    {%- do kpi_tree.fail_all(errors) -%}
{%- endmacro %}


{% macro parse_date(text) -%}
    {#- A date from YYYY-MM-DD, or none when it is not a calendar date. -#}
    {%- set year, month, day = text.split('-') | map('int') -%}
    {%- if month < 1 or month > 12 or day < 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {%- if day > (next_month - modules.datetime.timedelta(days=1)).day -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date(year, month, day)) }}
{%- endmacro %}

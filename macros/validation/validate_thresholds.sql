{% macro validate_thresholds(thresholds_relation, benchmarks_relation) -%}
    {#-
        Checks every row of the thresholds seed before breaches are computed and
        fails listing each broken row with its metric and rule: unknown metric,
        grain, motion, rule or severity; a pct_behind_target without a positive
        number as threshold; a consecutive_declines without a whole number of
        periods of at least 1; a benchmark rule for a metric without a benchmark.
    -#}
    {%- if not execute or load_relation(thresholds_relation) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = kpi_tree.kpi_nodes() -%}
    {%- set benchmarked = run_query(
        'select metric_id from ' ~ benchmarks_relation ~ ' where metric_id is not null'
    ).columns[0].values() -%}
    {%- set rows = run_query(
        'select threshold_id, metric_id, grain, motion, rule, threshold, periods, severity from '
        ~ thresholds_relation
    ).rows -%}
    {%- set re = modules.re -%}
    {%- set errors = [] -%}
    {%- for threshold_id, metric_id, grain, motion, rule, threshold, periods, severity in rows -%}
        {%- set where = " (seeds/kpi_thresholds.csv: " ~ threshold_id ~ ")" -%}
        {%- if metric_id not in nodes -%}
            {%- do errors.append([metric_id, 'unknown_threshold_metric', 'no tree metric by that name' ~ where]) -%}
        {%- endif -%}
        {%- if grain not in ['week', 'month', 'quarter'] -%}
            {%- do errors.append([metric_id, 'invalid_threshold_grain', "grain '" ~ grain
                ~ "' is not week, month or quarter" ~ where]) -%}
        {%- endif -%}
        {%- if motion and motion not in var('motions') -%}
            {%- do errors.append([metric_id, 'invalid_threshold_motion', "motion '" ~ motion
                ~ "' is not one of " ~ var('motions') | join(', ') ~ where]) -%}
        {%- endif -%}
        {%- if severity not in ['info', 'warning', 'critical'] -%}
            {%- do errors.append([metric_id, 'invalid_severity', "severity '" ~ severity
                ~ "' is not info, warning or critical" ~ where]) -%}
        {%- endif -%}
        {%- if rule == 'pct_behind_target' -%}
            {%- if not re.fullmatch('[0-9]+(\.[0-9]+)?', (threshold or '') | trim)
                or (threshold | float) <= 0 -%}
                {%- do errors.append([metric_id, 'threshold_not_a_number', "threshold '" ~ threshold
                    ~ "' must be a positive fraction (0.10 for 10%)" ~ where]) -%}
            {%- endif -%}
        {%- elif rule == 'consecutive_declines' -%}
            {%- if not re.fullmatch('[1-9][0-9]*', (periods or '') | trim) -%}
                {%- do errors.append([metric_id, 'invalid_periods', "periods '" ~ periods
                    ~ "' must be a whole number of at least 1" ~ where]) -%}
            {%- endif -%}
        {%- elif rule in ['below_benchmark_floor', 'above_benchmark_ceiling'] -%}
            {%- if metric_id not in benchmarked -%}
                {%- do errors.append([metric_id, 'missing_benchmark',
                    'no row of seeds/kpi_benchmarks.csv is read against this metric' ~ where]) -%}
            {%- endif -%}
        {%- else -%}
            {%- do errors.append([metric_id, 'unknown_threshold_rule', "rule '" ~ rule ~ "' is not "
                ~ "pct_behind_target, consecutive_declines, below_benchmark_floor or "
                ~ "above_benchmark_ceiling" ~ where]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do kpi_tree.fail_all(errors) -%}
{%- endmacro %}

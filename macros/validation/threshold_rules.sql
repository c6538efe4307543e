{% macro threshold_violations(thresholds_relation, benchmarks_relation) -%}
    {#-
        Rule invalid_threshold on seeds/kpi_thresholds.csv, one violation per broken
        row: unknown metric, grain, motion, rule or severity; a pct_behind_target
        without a positive fraction as threshold; a consecutive_declines without a
        whole number of periods of at least 1; a likely_miss without a probability
        strictly between 0 and 1 as threshold; a benchmark rule for a metric no
        benchmark is read against. Nothing while the seeds are not loaded yet.
    -#}
    {%- if not execute or (thresholds_relation is not string and load_relation(thresholds_relation) is none)
        or (benchmarks_relation is not string and load_relation(benchmarks_relation) is none) -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set metrics = kpi_tree.tree_metric_names() -%}
    {%- set benchmarked = run_query(
        'select metric_id from ' ~ benchmarks_relation ~ ' where metric_id is not null'
    ).columns[0].values() -%}
    {%- set rows = run_query(
        'select threshold_id, metric_id, grain, motion, rule, threshold, periods, severity from '
        ~ thresholds_relation
    ).rows -%}
    {%- set re = modules.re -%}
    {%- set motions = kpi_tree.typed_var('kpi_motions') + ['all'] -%}
    {%- set rules = ['pct_behind_target', 'consecutive_declines', 'likely_miss', 'below_benchmark_floor', 'above_benchmark_ceiling'] -%}
    {%- set violations = [] -%}
    {%- for threshold_id, metric_id, grain, motion, rule, threshold, periods, severity in rows -%}
        {%- set problems = [] -%}
        {%- if metric_id not in metrics -%}
            {%- do problems.append(["no tree reads a metric '" ~ metric_id ~ "'", "name a metric of a tree"]) -%}
        {%- endif -%}
        {%- if grain not in ['week', 'month', 'quarter'] -%}
            {%- do problems.append(["grain '" ~ grain ~ "' is not week, month or quarter", "use week, month or quarter"]) -%}
        {%- endif -%}
        {%- if motion and motion not in motions -%}
            {%- do problems.append(["motion '" ~ motion ~ "' is not a motion",
                "use one of " ~ motions | join(', ') ~ ", or leave it blank for every one"]) -%}
        {%- endif -%}
        {%- if severity not in ['info', 'warning', 'critical'] -%}
            {%- do problems.append(["severity '" ~ severity ~ "' is not a severity", "use info, warning or critical"]) -%}
        {%- endif -%}
        {%- if rule == 'pct_behind_target' -%}
            {%- if not re.fullmatch('[0-9]+(\.[0-9]+)?', (threshold or '') | trim) or (threshold | float) <= 0 -%}
                {%- do problems.append(["threshold '" ~ threshold ~ "' is not a positive fraction",
                    "write 0.10 for 10% behind"]) -%}
            {%- endif -%}
        {%- elif rule == 'likely_miss' -%}
            {%- if not re.fullmatch('0?\.[0-9]+', (threshold or '') | trim) or (threshold | float) <= 0 -%}
                {%- do problems.append(["threshold '" ~ threshold ~ "' is not a probability between 0 and 1",
                    "write 0.5 to fire while reaching the target is less likely than not"]) -%}
            {%- endif -%}
        {%- elif rule == 'consecutive_declines' -%}
            {%- if not re.fullmatch('[1-9][0-9]*', (periods or '') | trim) -%}
                {%- do problems.append(["periods '" ~ periods ~ "' is not a whole number of at least 1",
                    "write how many periods in a row"]) -%}
            {%- endif -%}
        {%- elif rule in ['below_benchmark_floor', 'above_benchmark_ceiling'] -%}
            {%- if metric_id not in benchmarked -%}
                {%- do problems.append(["no row of seeds/kpi_benchmarks.csv is read against '" ~ metric_id ~ "'",
                    "map a benchmark to the metric, or use another rule"]) -%}
            {%- endif -%}
        {%- else -%}
            {%- do problems.append(["rule '" ~ rule ~ "' is not a threshold rule", "use one of " ~ rules | join(', ')]) -%}
        {%- endif -%}
        {%- for message, fix in problems -%}
            {%- do violations.append(kpi_tree.violation('invalid_threshold', none, none, metric_id,
                message, fix ~ " in seeds/kpi_thresholds.csv (threshold " ~ threshold_id ~ ")")) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}

{% macro target_violations(targets_relation) -%}
    {#-
        Rules on seeds/kpi_targets.csv, one violation per broken row:
          invalid_target_key     unknown metric (no tree reads it), grain or motion;
                                 a period_start that is not a date, not the first day
                                 of its period, or outside the calendar
          target_not_a_number    a text, a percentage or a range (10-20%)
          target_not_meaningful  negative, not finite, zero for anything but a count
                                 or an amount (a count planned at zero is a plan:
                                 any value is then ahead or behind), or a rate
                                 above 1 (unless config.meta.kpi.unbounded is true)
          duplicate_target       two rows for the same metric, grain, period and motion
        Nothing while the seed is not loaded yet (compiling a fresh project).
    -#}
    {%- if not execute or (targets_relation is not string and load_relation(targets_relation) is none) -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set facts = {} -%}
    {%- for metric_name in kpi_tree.tree_metric_names() -%}
        {%- do facts.update({metric_name: kpi_tree.metric_facts(metric_name)}) -%}
    {%- endfor -%}
    {%- set rows = run_query(
        'select metric_id, grain, period_start, motion, target from ' ~ targets_relation
    ).rows -%}
    {%- set re = modules.re -%}
    {%- set calendar_start = kpi_tree.parse_date(kpi_tree.typed_var('kpi_calendar_start')) -%}
    {%- set calendar_end = kpi_tree.parse_date(kpi_tree.typed_var('kpi_calendar_end')) -%}
    {%- set motions = kpi_tree.typed_var('kpi_motions') + ['all'] -%}
    {%- set violations = [] -%}
    {%- set seen = {} -%}
    {%- for metric_id, grain, period_start, motion, target in rows -%}
        {%- set row = [metric_id, grain, period_start or '', motion or '', target] | join(',') -%}
        {%- set fix_where = ' in seeds/kpi_targets.csv (row: ' ~ row ~ ')' -%}
        {%- if metric_id not in facts -%}
            {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "no tree reads a metric '" ~ metric_id ~ "'",
                "name a metric of a tree, or add the metric to a tree", metric_id, fix_where)) -%}
        {%- endif -%}
        {%- if grain not in ['week', 'month', 'quarter'] -%}
            {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "grain '" ~ grain ~ "' is not week, month or quarter",
                "use week, month or quarter", metric_id, fix_where)) -%}
        {%- endif -%}
        {%- if motion and motion not in motions -%}
            {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "motion '" ~ motion ~ "' is not a motion",
                "use one of " ~ motions | join(', ') ~ ", or leave it blank for every motion", metric_id, fix_where)) -%}
        {%- endif -%}
        {%- if period_start -%}
            {%- set parsed = kpi_tree.parse_date(period_start)
                if re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', period_start) else none -%}
            {%- if parsed is none -%}
                {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "period_start '" ~ period_start ~ "' is not a date",
                    "write the first day of the period as YYYY-MM-DD", metric_id, fix_where)) -%}
            {%- elif (grain == 'week' and parsed.weekday() != 0)
                or (grain == 'month' and parsed.day != 1)
                or (grain == 'quarter' and (parsed.day != 1 or parsed.month not in [1, 4, 7, 10])) -%}
                {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "period_start " ~ period_start ~ " is not the first day of a "
                    ~ grain, "write the first day of the " ~ grain ~ " (weeks start on Monday)", metric_id, fix_where)) -%}
            {%- elif parsed > calendar_end or parsed < calendar_start -%}
                {%- do violations.append(kpi_tree.target_violation('invalid_target_key', "period_start " ~ period_start ~ " is outside the calendar ("
                    ~ kpi_tree.typed_var('kpi_calendar_start') ~ " to " ~ kpi_tree.typed_var('kpi_calendar_end') ~ ")",
                    "move the target into the calendar, or extend kpi_calendar_start / kpi_calendar_end", metric_id, fix_where)) -%}
            {%- endif -%}
        {%- endif -%}
        {%- set text = (target or '') | trim -%}
        {%- if not re.fullmatch('[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?', text) -%}
            {%- do violations.append(kpi_tree.target_violation('target_not_a_number', "target '" ~ target ~ "' is not a number",
                "write a plain number; a rate as a fraction (0.25, not 25% or a range)", metric_id, fix_where)) -%}
        {%- else -%}
            {%- set value = text | float -%}
            {%- set unit = facts[metric_id].unit if metric_id in facts else none -%}
            {%- if value >= 1e15 or value <= -1e15 -%}
                {%- do violations.append(kpi_tree.target_violation('target_not_meaningful', "target " ~ text
                    ~ " is not a finite number below 1e15", "write the plan's number", metric_id, fix_where)) -%}
            {%- elif value < 0 -%}
                {%- do violations.append(kpi_tree.target_violation('target_not_meaningful', "target " ~ text ~ " is negative",
                    "set the plan's number, or delete the row to leave the node without one", metric_id, fix_where)) -%}
            {%- elif value == 0 and unit not in ['count', 'usd'] -%}
                {%- do violations.append(kpi_tree.target_violation('target_not_meaningful', "target " ~ text ~ " is zero for a " ~ (unit or 'unitless') ~ " metric: every product above it would be planned at zero",
                    "set a positive target, or delete the row to leave the node without one", metric_id, fix_where)) -%}
            {%- elif unit == 'ratio' and value > 1 and not kpi_tree.metric_is_unbounded(metric_id) -%}
                {%- do violations.append(kpi_tree.target_violation('target_not_meaningful', "target " ~ text ~ " is a rate above 1",
                    "write the rate as a fraction (0.25), or set config.meta.kpi.unbounded: true on a rate that can exceed 1", metric_id, fix_where)) -%}
            {%- endif -%}
        {%- endif -%}
        {%- set key = [metric_id, grain, period_start, motion] | join('|') -%}
        {%- if key in seen -%}
            {%- do violations.append(kpi_tree.target_violation('duplicate_target', "two rows for the same metric, grain, period and motion",
                "keep one of them", metric_id, fix_where)) -%}
        {%- endif -%}
        {%- do seen.update({key: true}) -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro target_violation(rule, message, fix, metric_id, fix_where) -%}
    {{ return(kpi_tree.violation(rule, none, none, metric_id, message, fix ~ fix_where)) }}
{%- endmacro %}


{% macro metric_is_unbounded(metric_name) -%}
    {%- set metric = kpi_tree.find_metric(metric_name) -%}
    {%- set kpi = (metric.config.meta or {}).get('kpi') if metric else none -%}
    {{ return(kpi is mapping and kpi.get('unbounded') is sameas true) }}
{%- endmacro %}


{% macro parse_date(text) -%}
    {#- A date from YYYY-MM-DD, or none when it is not a calendar date. -#}
    {%- set parts = (text | string).split('-') -%}
    {%- if parts | length != 3 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set year, month, day = parts | map('int') -%}
    {%- if month < 1 or month > 12 or day < 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {%- if day > (next_month - modules.datetime.timedelta(days=1)).day -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date(year, month, day)) }}
{%- endmacro %}


{% macro target_rule_violations(rules_relation) -%}
    {#-
        Rule invalid_target_rule on seeds/kpi_target_rules.csv, one violation per
        broken row: a metric no tree reads, an unknown grain, motion or baseline,
        an uplift that is not a number between -1 and 5, a starts_on or ends_on that
        is not a date or not the first (last) day of a period of the grain, a
        duplicate rule_id. Nothing while the seed is not loaded yet.
    -#}
    {%- if not execute or (rules_relation is not string and load_relation(rules_relation) is none) -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set metrics = kpi_tree.tree_metric_names() -%}
    {%- set rows = run_query(
        'select rule_id, metric_id, grain, motion, baseline, uplift, starts_on, ends_on from '
        ~ rules_relation
    ).rows -%}
    {%- set re = modules.re -%}
    {%- set motions = kpi_tree.typed_var('kpi_motions') + ['all'] -%}
    {%- set violations = [] -%}
    {%- set seen = [] -%}
    {%- for rule_id, metric_id, grain, motion, baseline, uplift, starts_on, ends_on in rows -%}
        {%- set problems = [] -%}
        {%- if metric_id not in metrics -%}
            {%- do problems.append(["no tree reads a metric '" ~ metric_id ~ "'", "name a metric of a tree"]) -%}
        {%- endif -%}
        {%- if grain not in ['week', 'month', 'quarter'] -%}
            {%- do problems.append(["grain '" ~ grain ~ "' is not week, month or quarter", "use week, month or quarter"]) -%}
        {%- endif -%}
        {%- if motion and motion not in motions -%}
            {%- do problems.append(["motion '" ~ motion ~ "' is not a motion",
                "use one of " ~ motions | join(', ') ~ ", or leave it blank for each motion"]) -%}
        {%- endif -%}
        {%- if baseline not in ['same_period_last_year', 'trailing_quarter'] -%}
            {%- do problems.append(["baseline '" ~ baseline ~ "' is not a baseline",
                "use same_period_last_year or trailing_quarter"]) -%}
        {%- endif -%}
        {%- if not re.fullmatch('-?[0-9]+(\.[0-9]+)?', (uplift or '') | trim)
            or (uplift | float) < -1 or (uplift | float) > 5 -%}
            {%- do problems.append(["uplift '" ~ uplift ~ "' is not a fraction between -1 and 5",
                "write 0.25 for 25% better than the baseline"]) -%}
        {%- endif -%}
        {%- for name, value in [('starts_on', starts_on), ('ends_on', ends_on)] if value or name == 'starts_on' -%}
            {%- set parsed = kpi_tree.parse_date(value)
                if value and re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) else none -%}
            {%- if parsed is none -%}
                {%- do problems.append([name ~ " '" ~ value ~ "' is not a date", "write YYYY-MM-DD"]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if rule_id in seen -%}
            {%- do problems.append(["two rules are named '" ~ rule_id ~ "'", "name each rule once"]) -%}
        {%- endif -%}
        {%- do seen.append(rule_id) -%}
        {%- for message, fix in problems -%}
            {%- do violations.append(kpi_tree.violation('invalid_target_rule', none, none, metric_id,
                message, fix ~ " in seeds/kpi_target_rules.csv (rule " ~ rule_id ~ ")")) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}

{#-
    The two ways to use kpi-tree (docs/package.md): as the demo (the root project
    is kpi-tree itself, profile kpi_tree) or installed as a package, a KPI-tree
    engine over the adopter's semantic layer, where nothing of the demo is built
    or read. dbt applies a package's own dbt_project.yml vars to the package's
    models, so the demo's settings that an adopter must not inherit (its motions,
    drill-downs, calendar, time spine, the views' extra parents) are read only
    when the demo is the root project (demo_settings below); installed, each
    falls back to the engine's default unless the adopter's vars set it.
-#}

{% macro demo_enabled() -%}
    {#- True when kpi-tree is the root project (the demo), as the `+enabled` switch
        of dbt_project.yml decides it: the profile is kpi_tree. -#}
    {{ return(target.profile_name == 'kpi_tree') }}
{%- endmacro %}


{% macro demo_setting_names() -%}
    {#- The vars whose demo values live in var('kpi_tree_demo') (dbt_project.yml)
        and reach the engine only in the demo. -#}
    {{ return(['kpi_motions', 'kpi_drill_downs', 'kpi_calendar_start', 'kpi_calendar_end',
        'metric_time_spine', 'metric_views_depend_on', 'kpi_layers', 'kpi_core_layers',
        'kpi_executive_metrics_min', 'kpi_executive_metrics_max', 'kpi_tree_without_data']) }}
{%- endmacro %}


{% macro engine_seed(name) -%}
    {#- The relation of one of the engine's plan seeds (kpi_targets, kpi_thresholds,
        kpi_target_rules, kpi_benchmarks, kpi_rule_exceptions): the demo's seed; installed,
        the model or seed var('<name>_seed') names, or an empty relation with the
        seed's columns when the var is not set. Call it at parse time (it refs). -#}
    {%- if kpi_tree.demo_enabled() -%}
        {{ return(ref(name)) }}
    {%- endif -%}
    {%- set chosen = var(name ~ '_seed', none) -%}
    {%- if chosen -%}
        {{ return(ref(kpi_tree.safe_identifier(chosen, name ~ '_seed', 'var'))) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{% macro engine_seed_columns(name) -%}
    {#- The columns (name, type) of each engine seed, as seeds/_seeds.yml declares them. -#}
    {%- set text_columns = {
        'kpi_targets': ['metric_id', 'grain', 'period_start', 'motion', 'target'],
        'kpi_thresholds': ['threshold_id', 'metric_id', 'grain', 'motion', 'rule', 'threshold',
            'periods', 'severity', 'action'],
        'kpi_target_rules': ['rule_id', 'metric_id', 'grain', 'motion', 'baseline', 'uplift',
            'starts_on', 'ends_on'],
    } -%}
    {%- if name in text_columns -%}
        {#- typed as text, like the demo's seeds: the definition rules read and check each value -#}
        {%- set columns = [] -%}
        {%- for column in text_columns[name] -%}
            {%- do columns.append((column, 'text')) -%}
        {%- endfor -%}
        {{ return(columns) }}
    {%- endif -%}
    {{ return({
        'kpi_benchmarks': [('benchmark_id', 'text'), ('benchmark', 'text'), ('metric_id', 'text'),
            ('low', 'float'), ('high', 'float'), ('unit', 'text'), ('source', 'text'),
            ('note', 'text')],
        'kpi_rule_exceptions': [('rule', 'text'), ('tree_id', 'text'), ('metric_id', 'text'),
            ('reason', 'text'), ('expires_on', 'date')],
    }[name]) }}
{%- endmacro %}


{% macro engine_seed_rows(name) -%}
    {#- SQL selecting the rows of an engine seed with its declared columns: a column the
        adopter's seed lacks (motion, in a project without motions) is null; no seed, no rows. -#}
    {%- set relation = kpi_tree.engine_seed(name) -%}
    {%- set columns = kpi_tree.engine_seed_columns(name) -%}
    {%- if relation is not none and kpi_tree.demo_enabled() -%}
        {{ return('select * from ' ~ relation) }}
    {%- endif -%}
    {%- set present = [] -%}
    {%- if relation is not none and execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set types = {'text': dbt.type_string(),
        'float': 'double' if target.type == 'spark' else 'double precision', 'integer': dbt.type_int(),
        'date': 'date'} -%}
    {%- set selected = [] -%}
    {%- for column, type in columns -%}
        {%- if column in present -%}
            {%- do selected.append('cast(' ~ adapter.quote(column) ~ ' as ' ~ types[type] ~ ') as ' ~ column) -%}
        {%- else -%}
            {%- do selected.append('cast(null as ' ~ types[type] ~ ') as ' ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- wrapped, so the caller may add a where clause, as after `select * from <seed>` -#}
    {%- set rows = 'select ' ~ selected | join(', ')
        ~ (' from ' ~ relation if relation is not none else ' where 1 = 0') -%}
    {{ return('select * from (' ~ rows ~ ') as ' ~ name) }}
{%- endmacro %}


{% macro engine_seed_relation(name) -%}
    {#- What the definition rules query for an engine seed: the demo's seed relation, or
        engine_seed_rows as a subquery. -#}
    {%- if kpi_tree.demo_enabled() -%}
        {{ return(ref(name)) }}
    {%- endif -%}
    {{ return('(' ~ kpi_tree.engine_seed_rows(name) ~ ') as ' ~ name) }}
{%- endmacro %}


{% macro declared_trees() -%}
    {#- var('kpi_trees'), or none when set nowhere. Installed as a package, the demo's
        own trees (which dbt hands to the package's models unless the project sets
        vars.kpi_trees) are none at parse time and stop the build, asking for the
        project's trees. -#}
    {%- set trees = var('kpi_trees', none) -%}
    {%- if not kpi_tree.demo_enabled() and trees is not none
        and trees == var('kpi_tree_demo', {}).get('kpi_trees') -%}
        {#- at parse time, no trees: dbt parses the package's models even where a project
            disables them (kpi-tree installed for its compiler alone) -#}
        {%- if not execute -%}
            {{ return(none) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "kpi-tree is installed as a package and your project sets no vars.kpi_trees: "
            ~ "declare your trees there (docs/package.md); the demo's trees are not yours") }}
    {%- endif -%}
    {{ return(trees) }}
{%- endmacro %}


{% macro check_trees_have_data(relation) -%}
    {#- Post-hook of kpi_tree: a tree none of whose nodes has an actual (other than null
        or 0) in any period of the calendar stops the build (a warning when var
        kpi_tree_without_data is warn, as in the demo, whose tests build it over data
        that feeds some trees only), naming the tree, the calendar's periods and the
        vars that set them. Installed as a package, the calendar
        is the adopter's time spine: a calendar that misses the data is an error, not
        a green build of empty periods. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select
            tree_id,
            count(case when actual is not null and actual != 0 then 1 end) as actuals
        from {{ relation }}
        where breakdown = 'total'
        group by tree_id
    {%- endset -%}
    {%- set with_data = [] -%}
    {%- for tree_id, actuals in run_query(query).rows if actuals > 0 -%}
        {%- do with_data.append(tree_id) -%}
    {%- endfor -%}
    {%- set empty = [] -%}
    {%- for tree in kpi_tree.tree_definitions() if tree.tree_id not in with_data -%}
        {%- do empty.append(tree.tree_id) -%}
    {%- endfor -%}
    {%- if empty -%}
        {%- set periods = run_query('select min(period_start), max(period_end) from ' ~ relation).rows[0] -%}
        {%- set report = exceptions.warn if kpi_tree.typed_var('kpi_tree_without_data') == 'warn'
            else exceptions.raise_compiler_error -%}
        {{ report(
            "tree '" ~ empty[0] ~ "' has no data in any period of its calendar ("
            ~ (periods[0] ~ ' to ' ~ periods[1] if periods[0] is not none else 'no period at all')
            ~ "; trees without data: " ~ empty | join(', ')
            ~ "): the calendar is the days of the time spine var metric_time_spine names "
            ~ "(" ~ kpi_tree.time_spine_model() ~ "), within vars kpi_calendar_start ("
            ~ kpi_tree.typed_var('kpi_calendar_start') ~ ") and kpi_calendar_end ("
            ~ kpi_tree.typed_var('kpi_calendar_end') ~ "); set them to cover your data") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

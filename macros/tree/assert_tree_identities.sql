{% macro assert_tree_identities(metric_values) -%}
    {#-
        A product node's actual must equal the product of its drivers' actuals, a
        sum node's their sum, in every period where all are defined, within
        var('kpi_identity_tolerance') relative. A definition that breaks this (a
        driver missing from the chain, a rate defined on other counts) fails the
        build naming the node, the rule, the period and the numbers.
    -#}
    {#- Skipped while the relation is not built yet (compiling or linting a fresh
        project); `dbt build` always builds it first. -#}
    {%- if not execute or load_relation(metric_values) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = kpi_tree.kpi_nodes() -%}
    {%- set checks = [] -%}
    {%- for node in nodes.values() if node.combine -%}
        {%- set operator = ' * ' if node.combine == 'product' else ' + ' -%}
        {%- set joins = [] -%}
        {%- set terms = [] -%}
        {%- for driver in node.drivers -%}
            {%- set alias = 'driver_' ~ loop.index -%}
            {%- do terms.append(alias ~ '.value') -%}
            {%- do joins.append('inner join ' ~ metric_values ~ ' as ' ~ alias
                ~ ' on ' ~ alias ~ '.metric_id = ' ~ kpi_tree.quote_string(driver)
                ~ ' and ' ~ alias ~ '.grain = node.grain and ' ~ alias ~ '.period_start = node.period_start'
                ~ ' and ' ~ alias ~ '.motion = node.motion and ' ~ alias ~ '.value is not null') -%}
        {%- endfor -%}
        {%- do checks.append(
            'select node.metric_id, node.grain, node.period_start, node.motion, node.value as actual, '
            ~ terms | join(operator) ~ ' as combined from ' ~ metric_values ~ ' as node '
            ~ joins | join(' ') ~ ' where node.metric_id = ' ~ kpi_tree.quote_string(node.metric_id)
            ~ ' and node.value is not null') -%}
    {%- endfor -%}
    {%- if not checks -%}
        {{ return('') }}
    {%- endif -%}
    {#- the first broken period of each broken node -#}
    {%- set query -%}
        select metric_id, grain, cast(period_start as {{ dbt.type_string() }}), motion, actual, combined
        from (
            select
                identities.*,
                row_number() over (partition by metric_id order by grain, period_start, motion) as n
            from ({{ checks | join(' union all ') }}) as identities
            where abs(actual - combined)
                > {{ var('kpi_identity_tolerance') }} * greatest(abs(actual), abs(combined))
        ) as violations
        where n = 1
        order by metric_id
    {%- endset -%}
    {%- set violations = run_query(query).rows -%}
    {%- set errors = [] -%}
    {%- for metric_id, grain, period_start, motion, actual, combined in violations -%}
        {%- do errors.append([metric_id, 'identity_broken', "actual " ~ actual ~ " is not the "
            ~ nodes[metric_id].combine ~ " of its drivers (" ~ nodes[metric_id].drivers | join(', ')
            ~ ") = " ~ combined ~ " in " ~ grain ~ " " ~ period_start[:10] ~ " (" ~ motion
            ~ "), the first such period; tolerance " ~ var('kpi_identity_tolerance') ~ " relative"]) -%}
    {%- endfor -%}
    {%- do kpi_tree.fail_all(errors) -%}
{%- endmacro %}

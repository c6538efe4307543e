{#- Generic tests the project needs (dbt_utils cannot be installed here). -#}

{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- Fails with the offending key values when a combination occurs twice. -#}
with

grouped as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count

    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select * from grouped
where row_count > 1
{% endtest %}


{% test definition_rule(model, rule) %}
{#- Fails with one row per violation of one definition rule that no unexpired
    exception accepts (models/semantic/definition_violations.sql). -#}
select
    rule,
    tree_id,
    node_id,
    metric_id,
    message,
    fix

from {{ model }}
where rule = {{ kpi_tree.quote_string(rule) }} and not is_excepted
{% endtest %}


{% test identity_holds(model) %}
{#- Fails with every broken identity of tree_identities: a product or sum node
    whose actual is not the product or sum of its drivers' actuals, or a
    drill-down row whose target is not its drivers' targets combined. -#}
select
    tree_id,
    node_id,
    motion,
    grain,
    period_start,
    breakdown,
    breakdown_value,
    combine,
    actual,
    combined_actual,
    target,
    combined_target

from {{ model }}
where is_broken
{% endtest %}


{% test no_rows_where(model, condition) %}
{#- Returns every row where condition holds, one result per row: as a warning, its
    count is the number of such rows. -#}
select * from {{ model }}
where {{ condition }}
{% endtest %}

{{ config(severity='warn') }}
{#-
    Warns (never fails) for every driver or diagnostic the history does not bear
    out (kpi_driver_checks): no relation with its parent at any lag, or a
    relation with the sign opposite to the one the tree assumes. Each row names
    the tree, the edge (node -> parent) and what was found.
-#}

with

driver_checks as (

    select * from {{ ref('kpi_driver_checks') }}

),

final as (

    select
        tree_id,
        node_id,
        parent_node_id,
        motion,
        role,
        {{ dbt.concat([
            "tree_id", "': '", "node_id", "' -> '", "parent_node_id"
        ]) }} as edge,
        case
            when not has_relation then 'no relation at any lag'
            else 'wrong sign'
        end as finding,
        expected_sign,
        observed_sign,
        best_lag_weeks,
        best_lag_correlation,
        weeks_used

    from driver_checks
    where
        not has_relation
        or not has_expected_sign

)

select * from final

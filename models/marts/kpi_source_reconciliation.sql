{#-
    Where two systems report the same stage, both per day and the difference
    (docs/connectors.md, "Reconciliation"): one row per day and stage on which
    either system has a value, from the reconciliation models of the connectors
    chosen (kpi_tree.reconciliation_inputs). The system of record is the one the
    stage's metric reads; the compared system is the other. A day is past
    tolerance when the compared value differs from the record by more than var
    reconciliation_tolerance of it (any difference, when the record is zero).
    Built when a connector that reconciles is chosen (the contract's own tables
    are one system).
-#}
{%- set inputs = kpi_tree.reconciliation_inputs() %}
{%- set tolerance = kpi_tree.typed_var('reconciliation_tolerance') %}

with

{#- one step: the union reads each connector's model in its turn of the loop #}
compared as (
    {% for input in inputs %}
        select
            cast(reconciliation_date as date) as reconciliation_date,
            cast(stage as {{ dbt.type_string() }}) as stage,
            cast(system_of_record as {{ dbt.type_string() }}) as system_of_record,
            cast(compared_system as {{ dbt.type_string() }}) as compared_system,
            cast(coalesce(record_value, 0) as {{ kpi_tree.type_double() }}) as record_value,
            cast(coalesce(compared_value, 0) as {{ kpi_tree.type_double() }}) as compared_value
        from {{ ref(input) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

differences as (

    select
        *,
        compared_value - record_value as difference,
        case
            when record_value != 0
                then (compared_value - record_value) / abs(record_value)
        end as relative_difference

    from compared

),

final as (

    select
        *,
        case
            when record_value = 0 then compared_value != 0
            else abs(relative_difference) > {{ tolerance }}
        end as is_past_tolerance

    from differences

)

select * from final

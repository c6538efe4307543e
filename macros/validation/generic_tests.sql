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

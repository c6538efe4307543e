{#- Currency conversion shared by the connectors (seeds/crm_currency_rates.csv). -#}

{% macro currency_rates_in_force(relation) %}
{#- The rates of relation (currency, valid_from, units_per_usd) with the day each stops
    being in force (valid_to, null for the latest): a CTE body. -#}
    select
        upper(trim(currency)) as currency_code,
        valid_from,
        lead(valid_from) over (
            partition by upper(trim(currency)) order by valid_from
        ) as valid_to,
        units_per_usd

    from {{ relation }}
{% endmacro %}

{#- The org's currency rates in the canonical CRM shape: advanced currency management's
    dated rates, else the static rate of each currency (CurrencyType), in units per unit
    of the corporate currency. -#}
{{ config(materialized="table") }}

with

dated_rates as (

    select * from {{ ref('stg_salesforce__dated_conversion_rates') }}

),

currency_types as (

    select * from {{ ref('stg_salesforce__currency_types') }}

),

dated as (

    select
        upper(iso_code) as currency_code,
        start_date as valid_from,
        next_start_date as valid_to,
        conversion_rate as units_per_corporate

    from dated_rates

),

static as (

    select
        upper(currency_types.iso_code) as currency_code,
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        currency_types.conversion_rate as units_per_corporate

    from currency_types
    where upper(currency_types.iso_code) not in (select dated.currency_code from dated)

),

final as (

    select * from dated
    union all
    select * from static

)

select * from final

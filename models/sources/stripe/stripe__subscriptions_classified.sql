{#- Every Stripe subscription as the contract's subscriptions row it becomes: its customer's
    account (metadata key, else the web domain matched with the CRM's accounts), the
    opportunity and the term from its metadata (the term else from its first price's
    interval), its ARR when it started (its first item versions, in USD), and why it stays
    out of the contract when it does (rejection_reason; unmapped_value names a customer no
    mapping resolves). -#}
{%- set account_keys = kpi_tree.typed_var('stripe__customer_account_keys') %}
{%- set domain_keys = kpi_tree.typed_var('stripe__customer_domain_keys') %}
{%- set crm = kpi_tree.crm_connector() %}
{{ config(materialized="table") }}

with

subscription_histories as (

    select * from {{ ref('stg_stripe__subscription_histories') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

item_versions as (

    select * from {{ ref('stripe__item_versions') }}

),

-- noqa: disable=LT02
-- (the CTEs only a CRM gives: sqlfluff indents a Jinja block's lines)
{% if crm != 'contract' %}
crm_accounts as (

    select * from {{ ref(crm ~ '__crm_accounts') }}

),

{% endif %}
ranked_versions as (

    select
        *,
        row_number() over (partition by id order by _fivetran_start) as first_rank,
        row_number() over (partition by id order by _fivetran_start desc) as latest_rank

    from subscription_histories

),

first_versions as (

    select * from ranked_versions
    where first_rank = 1

),

latest_versions as (

    select * from ranked_versions
    where latest_rank = 1

),

customer_links as (

    select
        id as customer_id,
        livemode as customer_livemode,
        {{ kpi_tree.metadata_value('metadata', account_keys) }} as metadata_account_id,
        lower({{ kpi_tree.metadata_value('metadata', domain_keys) }}) as metadata_domain,
        {{ dbt.concat(["id", "' ('", "coalesce(name, email, '')", "')'"]) }} as customer_label

    from customers

),

{% if crm != 'contract' %}
domain_accounts as (

    {#- a domain names an account only when one account has it -#}
    select
        web_domain,
        min(account_id) as account_id

    from crm_accounts
    where web_domain is not null
    group by 1
    having count(*) = 1

),

{% endif %}
resolved_customers as (

    select
        customer_links.*,
        {% if crm != 'contract' %}
            coalesce(customer_links.metadata_account_id, domain_accounts.account_id)
        {%- else -%}
            customer_links.metadata_account_id
        {%- endif %} as account_id

    from customer_links
    {%- if crm != 'contract' %}
    left join domain_accounts
        on customer_links.metadata_domain = domain_accounts.web_domain
    {%- endif %}
    -- noqa: enable=LT02

),

first_items as (

    select
        item_versions.subscription_id,
        min(item_versions.valid_from) as first_item_at

    from item_versions
    group by 1

),

items_summary as (

    select
        item_versions.subscription_id,
        sum(
            case
                when item_versions.valid_from = first_items.first_item_at
                    then item_versions.arr_usd
            end
        ) as started_arr_usd,
        max(
            case
                when
                    item_versions.valid_from = first_items.first_item_at
                    and item_versions.billing_interval = 'year'
                    then 12 * item_versions.interval_count
            end
        ) as interval_term_months,
        min(item_versions.currency_code) as currency_code,
        max(case when item_versions.billing_term_kind is null then 1 else 0 end)
            as has_missing_price,
        max(case when item_versions.currency_code is null then 1 else 0 end)
            as has_missing_currency,
        max(case when item_versions.units_per_usd is null then 1 else 0 end)
            as has_missing_rate,
        max(case when not coalesce(item_versions.price_livemode, true) then 1 else 0 end)
            as has_test_price

    from item_versions
    inner join first_items
        on item_versions.subscription_id = first_items.subscription_id
    group by 1

),

joined as (

    select
        first_versions.id as subscription_id,
        first_versions.customer_id,
        resolved_customers.account_id,
        resolved_customers.customer_label,
        {{ kpi_tree.metadata_value(
            'latest_versions.metadata',
            kpi_tree.typed_var('stripe__subscription_opportunity_keys')) }} as opportunity_id,
        cast(coalesce(first_versions.start_date, first_versions.created) as date) as started_on,
        {{ kpi_tree.try_parse_double(kpi_tree.metadata_value(
            'latest_versions.metadata', kpi_tree.typed_var('stripe__subscription_term_keys')
        )) }} as metadata_term_months,
        items_summary.interval_term_months,
        items_summary.started_arr_usd,
        items_summary.currency_code,
        items_summary.has_missing_price,
        items_summary.has_missing_currency,
        items_summary.has_missing_rate,
        coalesce(latest_versions.livemode, true)
        and coalesce(resolved_customers.customer_livemode, true)
        and coalesce(items_summary.has_test_price, 0) = 0 as is_livemode,
        resolved_customers.customer_id is not null as has_customer,
        first_versions._fivetran_synced as ingested_at

    from first_versions
    inner join latest_versions
        on first_versions.id = latest_versions.id
    left join resolved_customers
        on first_versions.customer_id = resolved_customers.customer_id
    left join items_summary
        on first_versions.id = items_summary.subscription_id

),

final as (

    select
        subscription_id,
        customer_id,
        account_id,
        opportunity_id,
        started_on,
        cast(coalesce(metadata_term_months, interval_term_months, 12) as integer)
            as term_months,
        started_arr_usd as arr,
        currency_code,
        ingested_at,
        case
            when not is_livemode then 'test_mode'
            when not has_customer then 'missing_customer'
            when account_id is null then 'unmatched_customer'
            when started_arr_usd is null and has_missing_price is null then 'missing_items'
            when has_missing_price = 1 then 'missing_price'
            when has_missing_currency = 1 then 'missing_currency'
            when has_missing_rate = 1 then 'missing_currency_rate'
        end as rejection_reason,
        case when has_customer and account_id is null then customer_label end as unmapped_value

    from joined

)

select * from final

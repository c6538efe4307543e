{#- Every landed platform's spend per campaign and day, in its account's currency: the
    platforms var ad_platforms lists, one after the other (a table: the mapping, the
    quarantine and the contract's ad_spend read it). One step: the union reads each
    platform's model in its turn of the loop. -#}
{{ config(materialized="table") }}

with

final as (
    {% for platform in kpi_tree.ad_platforms() %}
        select
            platform,
            spend_date,
            account_id,
            campaign_id,
            campaign_name,
            currency_code,
            spend_local,
            stats_rows
        from {{ ref(platform ~ '__campaign_spend') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final

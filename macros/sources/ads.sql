{#-
    The ad platforms' connector (models/sources/ads/, docs/connectors.md, "Ad platforms").
    A platform lands its campaigns, ads and accounts as history tables, a row per version;
    the campaign as it stands is its latest version, read by one helper.
-#}

{% macro latest_versions(relation, key_column, version_columns) %}
{#- The rows of relation (a CTE or relation) that are each key's latest version: the
    highest of version_columns (a list, compared in order; nulls last), one per key. -#}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_column }}
                order by
                {%- for column in version_columns %}
                    {{ column }} desc nulls last{{ ',' if not loop.last }}
                {%- endfor %}
            ) as version_rank

        from {{ relation }}
    ) as ranked
    where version_rank = 1
{% endmacro %}


{% macro ads_platform_spend(platform, account_id, currency_column) %}
{#- A platform's spend per campaign and day with the campaign's name and its account's
    currency as they stand: the last step of <platform>__campaign_spend, over its CTEs
    daily_spend (campaign_id, spend_date, spend_local, stats_rows), campaigns and accounts
    (latest versions, by id). account_id: the SQL of the spend's account. -#}
    select
        '{{ platform }}' as platform,
        daily_spend.spend_date,
        {{ account_id }} as account_id,
        daily_spend.campaign_id,
        campaigns.name as campaign_name,
        accounts.{{ currency_column }} as currency_code,
        daily_spend.spend_local,
        daily_spend.stats_rows

    from daily_spend
    left join campaigns
        on daily_spend.campaign_id = campaigns.id
    left join accounts
        on {{ account_id }} = accounts.id
{% endmacro %}

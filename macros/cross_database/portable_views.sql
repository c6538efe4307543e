{#- Views that survive a copy of the DuckDB file under another name.

    DuckDB names a database file's catalog after the file (target/kpi_tree.duckdb is the
    catalog kpi_tree), and dbt renders every reference with it: "kpi_tree"."kpi_marts"."x".
    A view stores that text, so a copy published as bi.duckdb fails with `Catalog "kpi_tree"
    does not exist`. Inside a view, a name without a catalog resolves in the view's own
    catalog, so the view's SQL drops the qualifier of its own catalog (other attached
    catalogs keep theirs). Tables store no SQL and need nothing. -#}

{% macro duckdb__create_view_as(relation, sql) -%}
    {{ dbt.duckdb__create_view_as(relation, kpi_tree.without_own_catalog(sql, relation)) }}
{%- endmacro %}

{% macro without_own_catalog(sql, relation) -%}
    {%- if relation.database -%}
        {{ return(sql | replace(adapter.quote(relation.database) ~ '.', '')) }}
    {%- endif -%}
    {{ return(sql) }}
{%- endmacro %}

"""Structure rules in the spirit of dbt-project-evaluator, checked over the manifest.

The evaluator package cannot be installed here (no dbt Hub), so its rules that
matter to this project are checked in pytest. Each exception is listed with
its reason. Each rule holds for the project as it is parsed with every CRM connector
(var crm_connector, each with the three ad platforms of var ad_platforms and billing from
Stripe, var billing_connector), whose models are built only when chosen.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from harness import run_dbt

# Models without a primary-key test, and why.
STAGED_ENTITIES = (
    "funnel_events", "ad_spend", "accounts", "account_engagements", "meeting_attendees",
    "partner_registrations", "product_events", "touches", "subscriptions",
    "subscription_changes", "account_health_flags",
)  # fmt: skip
NO_KEY_BY_DESIGN = {
    **{
        f"base_marketing__{entity}": "every raw row, duplicates included: keyed in stg_"
        for entity in STAGED_ENTITIES
    },
    **{
        f"stg_marketing__{entity}_rejected": "quarantine keeps every copy of a bad row"
        for entity in STAGED_ENTITIES
    },
    **{
        f"{crm}__funnel_events": "the raw contract's rows as staging reads them, re-sends too"
        for crm in ("salesforce", "hubspot")
    },
    **{
        f"{crm}__rejected": "every record the connector left out, from several tables"
        for crm in ("salesforce", "hubspot")
    },
    "crm__contract_funnel_events": "the contract's own rows as landed, re-sends too",
    "ads__contract_ad_spend": "the contract's own rows as landed, re-sends too",
    "ads__ad_spend": "the raw contract's rows as staging reads them (staging checks the key)",
    "ads__rejected": "every campaign-day the connector left out (keyed in the classified model)",
    **{
        f"stripe__{table}": "the raw contract's rows as staging reads them (staging checks the key)"
        for table in ("subscriptions", "subscription_changes")
    },
    "stripe__rejected": "every subscription and change left out (keyed in the classified models)",
}
# Connector models that read staged models, and why.
READ_STAGING_BY_DESIGN = {
    "stripe__reconciliation": "compares what the trees read: the staged bookings and billing",
}
AD_PLATFORMS = ("google_ads", "linkedin_ads", "facebook_ads")
CONNECTORS = ("contract", "salesforce", "hubspot")
# Models without a parent, and why.
NO_PARENTS_BY_DESIGN = {
    "hubspot__crm_currency_rates": "HubSpot lands no exchange rates: the seed's convert",
}
# The contract's tables a connector feeds are read through it instead (raw_relation).
FED_BY_CONNECTORS = {"accounts", "touches", "meeting_attendees", "subscriptions",
                     "subscription_changes"}  # fmt: skip
# Sources without a freshness check, and why.
NO_FRESHNESS_BY_DESIGN = {
    "accounts": "a full snapshot without a load timestamp; the events referencing it are checked",
    "events": "GA4's export has no load time; staging's freshness on funnel_events covers it",
}
FOLDER_PREFIXES = {
    "staging": ("stg_", "base_"),
    "sources": (
        "stg_",
        "salesforce__",
        "hubspot__",
        "crm__",
        "ads__",
        "ga4__",
        *(f"{platform}__" for platform in AD_PLATFORMS),
        "stripe__",
    ),
    "intermediate": ("int_",),
    "semantic": ("kpi_time_spine", "definition_"),
    "tree": ("tree_",),
    "marts": ("kpi_", "fct_", "dim_", "rpt_"),
}
# Metric views (models/metrics/) are named after their metric and carry no YAML of their
# own: adding a metric takes its definition and a one-line view file, nothing else. Their
# description is the metric's (in the semantic layer), their key is unique by construction
# (grouping sets) and checked in the compiler's parity suites; the tree's values compile
# the same SQL in tree_metric_values, whose key is tested on every build.
GENERATED_VIEWS = "metrics"
KEY_TESTS = {"unique", "unique_combination_of_columns", "staged_as_declared"}


@pytest.fixture(scope="module", params=CONNECTORS)
def manifest(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    target = tmp_path_factory.mktemp(f"structure-{request.param}")
    env = {"KPI_DUCKDB_PATH": str(target / "parse.duckdb"), "KPI_SCHEMA": "kpi"}
    platforms = list(AD_PLATFORMS) if request.param != "contract" else []
    connector = request.param != "contract"
    settings = json.dumps(
        {
            "crm_connector": request.param,
            "ad_platforms": platforms,
            "billing_connector": "stripe" if connector else "contract",
            "web_analytics_connector": "ga4" if connector else "contract",
        }
    )
    run_dbt(["parse", "--vars", settings], {**env, "KPI_RAW_SCHEMA": "raw"}, target)
    parsed = dict(json.loads((target / "manifest.json").read_text()))
    parsed["crm_connector"] = request.param
    return parsed


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "kpi_tree"
    }


def folder(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]


def test_every_model_is_documented(manifest: dict[str, Any]) -> None:
    undocumented = [
        node["name"]
        for node in models(manifest).values()
        if not node["description"] and folder(node) != GENERATED_VIEWS
    ]
    assert undocumented == []


def test_every_metric_view_reads_one_documented_metric(manifest: dict[str, Any]) -> None:
    views = [node for node in models(manifest).values() if folder(node) == GENERATED_VIEWS]
    assert len(views) >= 19
    for node in views:
        metrics = [parent for parent in node["depends_on"]["nodes"] if parent.startswith("metric.")]
        assert metrics == [f"metric.kpi_tree.{node['name']}"], node["name"]
        assert manifest["metrics"][metrics[0]]["description"], node["name"]


def test_every_model_has_its_key_tested(manifest: dict[str, Any]) -> None:
    keyed: set[str] = set()
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if node["resource_type"] == "test" and metadata.get("name") in KEY_TESTS:
            keyed.update(node["depends_on"]["nodes"])
    missing = [
        node["name"]
        for node_id, node in models(manifest).items()
        if node_id not in keyed
        and node["name"] not in NO_KEY_BY_DESIGN
        and folder(node) != GENERATED_VIEWS
    ]
    assert missing == []


def test_only_staging_reads_sources_and_never_with_models(manifest: dict[str, Any]) -> None:
    for node in models(manifest).values():
        parents = node["depends_on"]["nodes"]
        reads_source = any(parent.startswith("source.") for parent in parents)
        if reads_source:
            assert folder(node) in ("staging", "sources"), (
                f"{node['name']} reads a source outside staging and the connectors"
            )
            assert all(parent.startswith("source.") for parent in parents), (
                f"{node['name']} reads both a source and a model"
            )


def test_staging_reads_only_raw_or_its_base_models(manifest: dict[str, Any]) -> None:
    all_models = models(manifest)
    for node in all_models.values():
        if folder(node) != "staging":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent in all_models:
                assert all_models[parent]["name"].startswith("base_") or (
                    folder(all_models[parent]) == "sources"
                ), f"{node['name']} reads {parent}: staging reads raw, connectors or base models"


def test_model_names_carry_their_layer_prefix(manifest: dict[str, Any]) -> None:
    for node in models(manifest).values():
        prefixes = FOLDER_PREFIXES.get(folder(node))
        if prefixes:
            assert node["name"].startswith(prefixes), f"{node['name']} in {folder(node)}/"


def test_every_source_is_used_and_fresh_checked(manifest: dict[str, Any]) -> None:
    used = {
        parent
        for node in manifest["nodes"].values()
        for parent in node["depends_on"].get("nodes", [])
    }
    for source_id, source in manifest["sources"].items():
        fed = manifest["crm_connector"] != "contract" and source["name"] in FED_BY_CONNECTORS
        assert source_id in used or fed, f"source {source['name']} is never read"
        if source["name"] in NO_FRESHNESS_BY_DESIGN:
            continue
        freshness = source.get("freshness") or {}
        assert source.get("loaded_at_field") and (
            freshness.get("warn_after", {}).get("count")
            or freshness.get("error_after", {}).get("count")
        ), f"source {source['name']} has no freshness check"


def test_no_hard_coded_relation_names(manifest: dict[str, Any]) -> None:
    pattern = re.compile(r"\b(from|join)\s+(?!\{\{)[\"\w]+\.[\"\w]+", re.IGNORECASE)
    for node in models(manifest).values():
        assert not pattern.search(node["raw_code"]), f"{node['name']} names a relation directly"


def test_view_chains_are_short(manifest: dict[str, Any]) -> None:
    all_models = models(manifest)

    def view_depth(node_id: str) -> int:
        node = all_models[node_id]
        if node["config"]["materialized"] not in ("view", "stable_view"):
            return 0
        parents = [parent for parent in node["depends_on"]["nodes"] if parent in all_models]
        return 1 + max((view_depth(parent) for parent in parents), default=0)

    for node_id in all_models:
        assert view_depth(node_id) <= 5, f"{all_models[node_id]['name']} ends a chain of views"


def test_each_layer_builds_into_its_own_schema(manifest: dict[str, Any]) -> None:
    schemas = {folder(node): set() for node in models(manifest).values()}
    for node in models(manifest).values():
        schemas[folder(node)].add(node["schema"])
    connector = manifest["crm_connector"]
    layers = ("staging", "intermediate", "semantic", "metrics", "marts")
    assert schemas == {
        **{layer: {f"kpi_{layer}"} for layer in layers},
        "tree": {"kpi_tree_resolution"},
        **({"sources": {"kpi_sources"}} if connector != "contract" else {}),
    }
    sources = {source["schema"] for source in manifest["sources"].values()}
    assert sources == (
        {"raw"} if connector == "contract" else {"raw", connector, *AD_PLATFORMS, "stripe", "ga4"}
    )


def test_no_intermediate_or_tree_model_reads_a_mart(manifest: dict[str, Any]) -> None:
    all_models = models(manifest)
    for node in all_models.values():
        if folder(node) not in ("staging", "intermediate", "semantic", "metrics", "tree"):
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent in all_models:
                assert folder(all_models[parent]) != "marts", f"{node['name']} reads {parent}"


def test_connectors_read_only_their_sources_seeds_and_own_models(
    manifest: dict[str, Any],
) -> None:
    """A connector comes before staging: it reads its CRM's (or platforms') sources, the
    mapping seeds, the contract's funnel events and ad spend (the rows no CRM or platform
    holds) and its own models, nothing staged."""
    all_models = models(manifest)
    for node in all_models.values():
        if folder(node) != "sources" or node["name"] in READ_STAGING_BY_DESIGN:
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent in all_models:
                assert folder(all_models[parent]) == "sources", f"{node['name']} reads {parent}"
            else:
                assert parent.startswith(("source.", "seed.")), f"{node['name']} reads {parent}"


def test_no_root_models_but_the_time_spine(manifest: dict[str, Any]) -> None:
    """A model without parents is a definition typed twice or a lineage gap; the time
    spine is generated from the calendar vars, and everything else reads something."""
    roots = [node["name"] for node in models(manifest).values() if not node["depends_on"]["nodes"]]
    assert [name for name in roots if name not in NO_PARENTS_BY_DESIGN] == ["kpi_time_spine"]


SIGNATURE = re.compile(r"{%-?\s*(?:macro|test)\s+(\w+)\s*\(([^)]*)\)")


def test_every_macro_is_described_with_its_arguments(manifest: dict[str, Any]) -> None:
    for macro in manifest["macros"].values():
        if macro["package_name"] != "kpi_tree":
            continue
        assert Path(macro["original_file_path"]).parent.name in (
            "compiler", "tree", "validation", "cross_database", "operations", "staging",
            "sources",
        ), macro["original_file_path"]  # fmt: skip
        assert macro["description"], f"{macro['name']} is not described"
        if macro["name"].startswith("materialization_"):
            continue  # a materialization takes no arguments
        signature = SIGNATURE.search(macro["macro_sql"])
        assert signature, macro["name"]
        # Jinja's defaults are Python literals: parse the signature as Python's
        function = ast.parse(f"def macro({signature.group(2)}): pass").body[0]
        assert isinstance(function, ast.FunctionDef)
        names = [argument.arg for argument in function.args.args]
        described = {argument["name"] for argument in macro["arguments"] if argument["description"]}
        assert set(names) <= described, f"{macro['name']}: arguments {names} vs {described}"


def test_the_docs_site_opens_on_the_project_overview(manifest: dict[str, Any]) -> None:
    """models/overview.md is the docs site's overview (the README's first screen), and
    `dbt docs generate` copies the folder of its picture (asset-paths)."""
    overview = manifest["docs"]["doc.kpi_tree.__overview__"]
    assert overview["original_file_path"] == "models/overview.md"
    assert "a decision model, not a bigger dashboard" in overview["block_contents"]
    assert "](docs/images/tree-page.png)" in overview["block_contents"]
    project = (Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text()
    assert re.search(r'^asset-paths: \["docs/images"\]$', project, re.MULTILINE)

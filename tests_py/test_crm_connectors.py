"""The connectors' round trip (docs/connectors.md), on DuckDB and PostgreSQL.

`generate_demo_data.py --crm <crm> --ads --billing stripe` writes the demo business twice in
one folder: as the raw contract (with the CRM's ids) and as the CRM's, the ad platforms' and
Stripe's own tables, the way a managed connector lands them (DIR/<crm>/, DIR/google_ads/,
DIR/stripe/, ...), with deleted, merged
and history-mode records, non-USD opportunities and ad accounts, text-typed and sparse
tables, fiscal years from February and values no seed maps planted among them. Per
engine, the contract tables are built once through the contract (the reference) and once
through each full mix of connectors (var crm_connector with the three ad platforms of var
ad_platforms and GA4, `--web ga4`, in one shape per CRM; Salesforce's with HubSpot landed
beside it and billing from Stripe, var billing_connector);
every tree (every node, period and drill-down of the small trees, every column of kpi_tree)
must give the same numbers. What the CRMs cannot carry differs outside the trees only, within
documented bounds: touches (a campaign response names no opportunity, so an opportunity takes
the responses of its account's people from its journey's start to its creation: first-touch
attribution is exact, the others move by at most 5 points a channel). The connector must
quarantine exactly what was planted, its warn test must name the unmapped values, both
CRMs' people must match by email, and a CRM record updated, or deleted, after staging must
come through an incremental run as a re-sent row, or be reported. GA4 must quarantine what
was planted, give the generator's match rate, and its reconciliation the planted gaps.

Cost (20k events, the small trees): per engine the three builds (the reference without
data or unit tests, then each connector mix's `dbt build` without the unit tests, which the
demo's build runs) and about 20 s per incremental run; the generator a few seconds per CRM.
The module on this 2-core machine with other work beside it (2026-12-08): DuckDB 6.5 min,
PostgreSQL 4.8 min (the builds of the setup about 270 s and 170 s).
"""

from __future__ import annotations

import decimal
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from harness import SCRIPTS_DIR, SMALL_TREES, Engine, environment, load_script, make_engine

EVENTS = 20_000
CRMS = ("salesforce", "hubspot")
AD_PLATFORMS = ("google_ads", "linkedin_ads", "facebook_ads")
# The billing connector each CRM's build reads its subscriptions through (HubSpot's: the
# contract's), and what the Stripe connector filters rather than quarantines. Every folder
# is generated with --billing stripe, so each holds the same business (a few won deals
# start billing days later, in the contract too) as the reference build reads.
BILLING = {"salesforce": "stripe", "hubspot": "contract"}
STRIPE_NOT_REJECTED = ("deleted_records", "history_versions", "non_usd_subscriptions",
                       "domain_only_customers")  # fmt: skip
# Planted records the report counts that are no rejection (filtered, or converted).
NOT_REJECTED = ("deleted_records", "merged_records", "history_mode_versions",
                "non_usd_opportunities")  # fmt: skip
ENGINES = ("duckdb", "postgres")
# GA4 in each build, one shape each (docs/connectors.md, "Web analytics: GA4")
GA4_SHAPES = {"salesforce": "bigquery_export", "hubspot": "flattened"}
# The trees' columns that identify a row, and those no connector may change.
TREE_KEY = ("tree_id", "node_id", "motion", "grain", "period_start", "breakdown", "breakdown_value")


def generate(crm: str, folder: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / "generate_demo_data.py"), "--events", str(EVENTS),
         "--crm", crm, "--ads", "--billing", "stripe", "--output-dir", str(folder),
         "--quiet", "--web", "ga4", "--ga4-shape", GA4_SHAPES[crm]],
        check=True,
    )  # fmt: skip
    return dict(json.loads((folder / "generation_report.json").read_text()))


@dataclass
class Builds:
    """One engine's builds: the reference through the contract, and one per CRM."""

    engine: str
    contract: Engine
    crm: dict[str, Engine] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, Path] = field(default_factory=dict)


def crm_vars(crm: str, engine: Engine) -> dict[str, Any]:
    """The build's vars: the connector, the other CRM landed beside it (Salesforce's build:
    its people are matched with HubSpot's), the ad platforms, and on PostgreSQL the schemas
    they are in."""
    also = [other for other in CRMS if other != crm and f"KPI_{other.upper()}_DIR" in engine.env]
    settings: dict[str, Any] = {
        "crm_connector": crm, "crm_also_landed": also, "ad_platforms": list(AD_PLATFORMS),
        "billing_connector": BILLING[crm],
        "web_analytics_connector": "ga4", "ga4_shape": GA4_SHAPES[crm], **SMALL_TREES,
    }  # fmt: skip
    billing = [BILLING[crm]] if BILLING[crm] != "contract" else []
    if engine.name == "postgres":
        for landed in (crm, *also, *AD_PLATFORMS, *billing, "ga4"):
            settings[f"{landed}_schema"] = engine.env[f"KPI_{landed.upper()}_SCHEMA"]
    return settings


def run_warn_tests(
    engine: Engine, crm: str, select: str, test_prefix: str
) -> tuple[list[tuple[str, int]], str]:
    """`dbt test --select select` with the build's vars: the status and failure count of
    each test whose name starts with test_prefix, and the log the run wrote."""
    result = engine.dbt(["test", "--select", select, "--vars", json.dumps(crm_vars(crm, engine))])
    statuses = {str(r.node.name): (str(r.status), r.failures) for r in result.result.results}
    warned = [status for name, status in statuses.items() if name.startswith(test_prefix)]
    return warned, (engine.workdir / "dbt-target" / "logs" / "dbt.log").read_text()


def load_crm(engine: Engine, crm: str, raw_dir: Path) -> None:
    """Point the connector at the CRM's (or an ad platform's) tables: a parquet folder
    (DuckDB) or a schema."""
    engine.env[f"KPI_{crm.upper()}_DIR"] = str(raw_dir / crm)
    if engine.name == "postgres":
        schema = engine.env[f"KPI_{crm.upper()}_SCHEMA"] = f"{engine.schema}_crm_{crm}"
        loader = load_script("load_raw_to_postgres")
        with environment(engine.env):
            code = loader.main(["--input-dir", str(raw_dir), "--crm", crm, "--schema", schema])
        assert code == 0, f"loading the {crm} tables failed"


@pytest.fixture(scope="module")
def crm_raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    generated = {}
    for crm in CRMS:
        folder = tmp_path_factory.mktemp(f"raw-{crm}")
        generated[crm] = (folder, generate(crm, folder))
    return generated


@pytest.fixture(scope="module", params=ENGINES)
def builds(
    request: pytest.FixtureRequest,
    crm_raw: dict[str, tuple[Path, dict[str, Any]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Builds]:
    name = request.param
    reference_raw = crm_raw[CRMS[0]][0]
    contract = make_engine(name, tmp_path_factory.mktemp(f"contract-{name}"))
    built = Builds(engine=name, contract=contract)
    try:
        contract.load_raw(reference_raw)
        contract.dbt(
            ["build", "--exclude", "resource_type:test", "resource_type:unit_test",
             "--vars", json.dumps(SMALL_TREES)]
        )  # fmt: skip
        for crm, (raw_dir, report) in crm_raw.items():
            engine = make_engine(name, tmp_path_factory.mktemp(f"{crm}-{name}"))
            built.crm[crm] = engine
            built.reports[crm] = report
            built.raw[crm] = raw_dir
            if raw_dir == reference_raw and name == "postgres":
                # the contract tables are loaded already: read them where they are
                engine.env["KPI_RAW_SCHEMA"] = contract.env["KPI_RAW_SCHEMA"]
                engine.env["KPI_RAW_DIR"] = str(raw_dir)
            else:
                engine.load_raw(raw_dir)
            load_crm(engine, crm, raw_dir)
            for platform in (*AD_PLATFORMS, "ga4"):
                load_crm(engine, platform, raw_dir)
            if BILLING[crm] != "contract":
                load_crm(engine, BILLING[crm], raw_dir)
            if crm == "salesforce" and "hubspot" in crm_raw:
                load_crm(engine, "hubspot", crm_raw["hubspot"][0])
            # the unit tests ran in the demo's build: their fixtures are not the connector's
            engine.dbt(
                ["build", "--exclude", "resource_type:unit_test",
                 "--vars", json.dumps(crm_vars(crm, engine))]
            )  # fmt: skip
        yield built
    finally:
        for engine in [contract, *built.crm.values()]:
            engine.drop_schemas()


def rows_by_key(
    engine: Engine, model: str, key: tuple[str, ...]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    columns = [
        row[0]
        for row in engine.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{engine.schema}_marts' and table_name = '{model}' "
            "order by ordinal_position"
        )
    ]
    rows = engine.query(f"select {', '.join(columns)} from {engine.relation('marts', model)}")
    keyed = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        keyed[tuple(record[k] for k in key)] = record
    return keyed


def same_value(a: Any, b: Any, tolerance: float = 1e-9) -> bool:
    """Equal, floats within 1e-9 (relative, or absolute near zero: sums add in another
    order on another engine plan)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance)
    return bool(a == b)


@pytest.mark.parametrize("crm", CRMS)
def test_every_tree_agrees_with_the_contract(builds: Builds, crm: str) -> None:
    reference = rows_by_key(builds.contract, "kpi_tree", TREE_KEY)
    through_crm = rows_by_key(builds.crm[crm], "kpi_tree", TREE_KEY)
    assert len(reference) > 10_000
    assert reference.keys() == through_crm.keys()
    trees = {key[0] for key in reference}
    assert trees >= {"cross_motion", "inbound", "abm", "partner", "product_led", "revenue",
                     "unit_economics"}  # fmt: skip
    differing = [
        (key, column, row[column], through_crm[key][column])
        for key, row in reference.items()
        for column in row
        if not same_value(row[column], through_crm[key][column])
    ]
    assert differing == [], f"{len(differing)} values differ, e.g. {differing[:5]}"
    # the demo's numbers, not an empty tree: pipeline was created in every month
    pipeline = [
        row["actual"]
        for key, row in through_crm.items()
        if key[:2] == ("cross_motion", "pipeline_created")
        and key[3] == "month"
        and key[5] == "total"
        and row["actual"] is not None
    ]
    assert len(pipeline) >= 20 and sum(1 for value in pipeline if value > 0) >= 18


@pytest.mark.parametrize("crm", CRMS)
def test_first_touch_attribution_is_exact_and_the_others_within_bounds(
    builds: Builds, crm: str
) -> None:
    key = ("motion", "grain", "period_start", "channel")
    reference = rows_by_key(builds.contract, "kpi_channel_attribution", key)
    through_crm = rows_by_key(builds.crm[crm], "kpi_channel_attribution", key)
    exact = ("tree_pipeline_usd", "tree_opportunities", "first_touch_pipeline_usd",
             "first_touch_opportunities")  # fmt: skip
    for row_key in reference.keys() | through_crm.keys():
        left, right = reference.get(row_key, {}), through_crm.get(row_key, {})
        for column in exact:
            assert same_value(left.get(column) or 0.0, right.get(column) or 0.0), (row_key, column)
    # last touch and even influence: an opportunity may take a response of another journey
    # of its account; over the whole range the channels' shares move by at most 5 points
    for model in ("last_touch_pipeline_usd", "even_influence_pipeline_usd"):
        for rows in (reference, through_crm):
            total = sum(r[model] or 0.0 for k, r in rows.items() if k[1] == "quarter")
            assert total > 0
        shares = []
        for rows in (reference, through_crm):
            quarters = [r for k, r in rows.items() if k[1] == "quarter"]
            total = sum(r[model] or 0.0 for r in quarters)
            by_channel: dict[str, float] = {}
            for r in quarters:
                by_channel[r["channel"]] = by_channel.get(r["channel"], 0.0) + (r[model] or 0.0)
            shares.append({c: v / total for c, v in by_channel.items()})
        for channel in shares[0].keys() | shares[1].keys():
            assert abs(shares[0].get(channel, 0.0) - shares[1].get(channel, 0.0)) <= 0.05, (
                model, channel)  # fmt: skip


@pytest.mark.parametrize("crm", CRMS)
def test_the_connector_quarantines_what_was_planted(builds: Builds, crm: str) -> None:
    engine = builds.crm[crm]
    planted = builds.reports[crm]["crm"]["planted"]
    rejected = dict(
        engine.query(
            "select rejection_reason, count(*) "
            f"from {engine.relation('sources', crm + '__rejected')} group by 1"
        )
    )
    reasons = [reason for reason in planted if reason not in NOT_REJECTED]
    assert set(reasons) >= {
        "unmapped_stage", "unmapped_opportunity_type", "unmapped_country",
        "unmapped_employee_count", "excluded_expansion", "excluded_renewal",
    }  # fmt: skip
    for reason in reasons:
        assert planted[reason] > 0, reason
        assert rejected.get(reason, 0) == planted[reason], reason
    # nothing else is rejected: no account, currency or meeting left unmatched
    assert set(rejected) <= set(planted), set(rejected) - set(planted)
    assert planted["deleted_records"] > 0 and planted["merged_records"] > 0
    assert planted["history_mode_versions"] > 0 and planted["non_usd_opportunities"] > 0
    # the warn test lists the unmapped values with their rows, and says them in the log
    warned, log = run_warn_tests(engine, crm, f"{crm}__unmapped_values", "crm_values_are_mapped")
    assert warned == [("warn", 5)]
    rows = planted["unmapped_stage"]
    assert f"{crm}: 1 stage value is not mapped: Legal Review ({rows} rows)" in log
    for reason in reasons:
        if reason.startswith("unmapped_"):
            field = reason.removeprefix("unmapped_").replace("_", " ")
            assert f"{crm}: 1 {field} value is not mapped: " in log, field


@pytest.mark.parametrize("crm", CRMS)
def test_ad_spend_from_the_platforms_equals_the_contract(builds: Builds, crm: str) -> None:
    """Every staged day of every campaign has the contract's spend, in USD, whether it came
    from a platform (converted from EUR, GBP, micros, text) or from the contract's table."""
    engine = builds.crm[crm]
    key = "spend_date, channel, motion, campaign"

    def staged(built: Engine) -> dict[tuple[Any, ...], float]:
        relation = built.relation("staging", "stg_marketing__ad_spend")
        rows = built.query(f"select {key}, spend_usd from {relation}")
        return {tuple(row[:4]): float(row[4]) for row in rows}

    reference, through_platforms = staged(builds.contract), staged(engine)
    assert len(reference) > 10_000
    assert reference.keys() == through_platforms.keys()
    differing = [k for k, v in reference.items() if not same_value(v, through_platforms[k])]
    assert differing == [], differing[:5]
    # the platforms' campaigns did come from the platforms, in every currency
    classified = engine.relation("sources", "ads__ad_spend_classified")
    by_platform = dict(
        engine.query(
            f"select platform || ':' || currency_code, count(distinct contract_campaign) from "
            f"(select platform, currency_code, campaign as contract_campaign from {classified} "
            "where rejection_reason is null) as mapped group by 1"
        )
    )
    assert by_platform == {
        "google_ads:USD": 4, "google_ads:EUR": 1, "linkedin_ads:GBP": 2, "facebook_ads:USD": 1,
    }  # fmt: skip


def test_the_ads_connector_quarantines_what_was_planted(builds: Builds) -> None:
    """The campaign no seed maps and the one mapped to `none` are kept out and counted;
    deleted stats rows and old versions are filtered; the warn test names the campaign."""
    engine = builds.crm["salesforce"]
    planted = builds.reports["salesforce"]["ads"]["planted"]
    rejected = dict(
        engine.query(
            "select rejection_reason, count(*) "
            f"from {engine.relation('sources', 'ads__rejected')} group by 1"
        )
    )
    assert planted["unmapped_campaign"] > 0 and planted["excluded_by_motion_mapping"] > 0
    assert rejected == {
        "unmapped_campaign": planted["unmapped_campaign"],
        "excluded_by_motion_mapping": planted["excluded_by_motion_mapping"],
    }
    assert planted["deleted_stats_rows"] > 0 and planted["history_versions"] == 4
    warned, log = run_warn_tests(
        engine, "salesforce", "ads__unmapped_values", "ads_values_are_mapped"
    )
    assert warned == [("warn", 1)]
    rows = planted["unmapped_campaign"]
    assert (
        "ads: 1 campaign value is not mapped: google_ads: Display | Prospecting | Test "
        f"({rows} rows) (seeds/ads_campaigns.csv; ads__rejected has the records)"
    ) in log


def staged_multiset(engine: Engine, model: str, columns: str) -> dict[tuple[Any, ...], int]:
    """A staged table's rows (the columns given) with how often each occurs, amounts as
    floats."""
    counted: dict[tuple[Any, ...], int] = {}
    for row in engine.query(f"select {columns} from {engine.relation('staging', model)}"):
        key = tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in row)
        counted[key] = counted.get(key, 0) + 1
    return counted


def test_billing_from_stripe_equals_the_contract(builds: Builds) -> None:
    """Salesforce's build reads its subscriptions and their changes from Stripe (item
    versions in EUR, GBP and USD, history versions, text timestamps): staged, they are the
    contract's, row for row, and the revenue and unit-economics trees (compared with every
    other tree above) have billing's numbers in them."""
    engine = builds.crm["salesforce"]
    subscriptions = "subscription_id, account_id, opportunity_id, started_on, term_months, arr_usd"
    changes = "subscription_id, account_id, change_type, effective_on, arr_change_usd"
    for model, columns in (
        ("stg_marketing__subscriptions", subscriptions),
        ("stg_marketing__subscription_changes", changes),
    ):
        reference = staged_multiset(builds.contract, model, columns)
        through_stripe = staged_multiset(engine, model, columns)
        assert len(reference) > 30, model
        assert reference == through_stripe, model
    kinds = {row[2] for row in staged_multiset(engine, "stg_marketing__subscription_changes",
                                               changes)}  # fmt: skip
    assert kinds == {"expansion", "contraction", "renewal", "churn"}
    # it did come from Stripe: the connector's rows are what staging read
    stripe_rows = engine.query(
        f"select count(*) from {engine.relation('sources', 'stripe__subscription_changes')}"
    )[0][0]
    assert stripe_rows == sum(
        staged_multiset(engine, "stg_marketing__subscription_changes", changes).values()
    )
    tree = rows_by_key(engine, "kpi_tree", TREE_KEY)
    for node in ("expansion_arr", "renewal_arr", "net_revenue_retention"):
        values = [
            row["actual"]
            for key, row in tree.items()
            if key[:2] == ("revenue", node) and key[5] == "total" and row["actual"]
        ]
        assert len(values) >= 6, node


def test_the_stripe_connector_quarantines_what_was_planted(builds: Builds) -> None:
    """The customer no mapping resolves, the currency without a rate and the test-mode
    subscription are kept out and counted; deleted rows and history versions are read as
    Stripe means them; the warn test names the customer."""
    engine = builds.crm["salesforce"]
    planted = builds.reports["salesforce"]["billing"]["planted"]
    rejected = dict(
        engine.query(
            "select rejection_reason, count(*) "
            f"from {engine.relation('sources', 'stripe__rejected')} group by 1"
        )
    )
    reasons = {r: n for r, n in planted.items() if r not in STRIPE_NOT_REJECTED}
    assert set(reasons) == {"unmatched_customer", "missing_currency_rate", "test_mode"}
    assert all(n > 0 for n in reasons.values())
    assert rejected == reasons
    for filtered in STRIPE_NOT_REJECTED:
        assert planted[filtered] > 0, filtered
    warned, log = run_warn_tests(
        engine, "salesforce", "stripe__unmapped_values", "stripe_values_are_mapped"
    )
    assert warned == [("warn", 1)]
    assert "stripe: 1 customer value is not mapped: cus_planted1 (Planted 1) (1 rows)" in log


def test_the_reconciliation_shows_the_later_billing_starts(builds: Builds) -> None:
    """CRM closed-won ARR against billing's new-subscription ARR per day: they differ on
    exactly the days of the planted later billing starts (the deal's close and the
    billing's start), by the deal's ARR, and agree over the whole range."""
    engine = builds.crm["salesforce"]
    later = builds.reports["salesforce"]["billing"]["reconciliation"]["billing_starts_later"]
    assert later
    expected: dict[str, float] = {}
    for deal in later:
        expected[deal["won_on"]] = expected.get(deal["won_on"], 0.0) + deal["arr"]
        starts = deal["billing_starts_on"]
        expected[starts] = expected.get(starts, 0.0) - deal["arr"]
    expected = {day: gap for day, gap in expected.items() if gap != 0}
    rows = engine.query(
        "select reconciliation_date, stage, system_of_record, compared_system, record_value, "
        f"compared_value from {engine.relation('sources', 'stripe__reconciliation')}"
    )
    assert len(rows) > 5
    assert {(r[1], r[2], r[3]) for r in rows} == {("closed_won_arr", "salesforce", "stripe")}
    found = {
        str(r[0]): float(r[4]) - float(r[5])
        for r in rows
        if not same_value(float(r[4]), float(r[5]))
    }
    assert found.keys() == expected.keys()
    assert all(same_value(found[day], gap) for day, gap in expected.items()), found
    assert same_value(sum(float(r[4]) for r in rows), sum(float(r[5]) for r in rows))


@pytest.mark.parametrize("crm", CRMS)
def test_the_reconciliation_mart_has_every_stage_and_warns_past_tolerance(
    builds: Builds, crm: str
) -> None:
    """kpi_source_reconciliation is the connectors' reconciliation models side by side (GA4's
    two stages; with Stripe, closed-won ARR too), each day's difference computed here again;
    a day is past tolerance (var reconciliation_tolerance, 5%) when the compared system
    differs from the record by more than that share, and the warn test says how many per
    stage. The planted differences (raw_data.md) put every stage past it on some days."""
    engine = builds.crm[crm]
    inputs = ["ga4__reconciliation"]
    if BILLING[crm] != "contract":
        inputs.append("stripe__reconciliation")
    columns = "reconciliation_date, stage, system_of_record, compared_system"
    expected = {}
    for model in inputs:
        for day, stage, record_system, compared_system, record, compared in engine.query(
            f"select {columns}, record_value, compared_value "
            f"from {engine.relation('sources', model)}"
        ):
            values = (float(record or 0), float(compared or 0))
            expected[(str(day), stage)] = (record_system, compared_system, *values)
    mart = {
        (str(row[0]), row[1]): row[2:]
        for row in engine.query(
            f"select {columns}, record_value, compared_value, difference, is_past_tolerance "
            f"from {engine.relation('marts', 'kpi_source_reconciliation')}"
        )
    }
    assert mart.keys() == expected.keys()
    past: dict[str, int] = {}
    for key, (record_system, compared_system, record, compared) in expected.items():
        row = mart[key]
        assert row[:2] == (record_system, compared_system), key
        assert same_value(row[2], record) and same_value(row[3], compared), key
        assert same_value(row[4], compared - record), key
        beyond = compared != record if record == 0 else abs(compared - record) / record > 0.05
        assert row[5] == beyond, key
        if beyond:
            past[key[1]] = past.get(key[1], 0) + 1
    assert set(past) == {stage for _, stage in expected}, past
    warned, log = run_warn_tests(engine, crm, "kpi_source_reconciliation", "reconciliation_within")
    assert warned == [("warn", sum(past.values()))]
    for stage, days in past.items():
        assert f"reconciliation: {stage} (" in log
        assert f"): {days} days past 5.0%" in log, stage


@pytest.mark.parametrize("crm", CRMS)
def test_identities_are_found_by_crm_id_then_email_domain(builds: Builds, crm: str) -> None:
    engine = builds.crm[crm]
    rates = {
        (kind, rule): (count, share)
        for kind, rule, count, share in engine.query(
            "select record_kind, match_rule, person_refs, share_of_kind "
            f"from {engine.relation('sources', crm + '__identity_match_rates')}"
        )
    }
    # people sales worked have their account; the others (Salesforce's unconverted leads,
    # HubSpot's contacts without a company) find it by email domain; merged-away records
    # find their master's; nobody is left unmatched
    assert rates[("contact", "crm_id")][0] > 0
    assert sum(count for (_, rule), (count, _) in rates.items() if rule == "email_domain") > 0
    assert {kind for kind, _ in rates} >= {"contact", "merged_contact"}
    assert all(rule in ("crm_id", "email_domain") for _, rule in rates)


def test_people_are_matched_across_crms_by_email(builds: Builds) -> None:
    """Salesforce's build, with HubSpot landed beside it: every email either CRM knows is one
    row, matched where both know it."""
    engine = builds.crm["salesforce"]
    sources = f"{engine.schema}_sources"

    def emails(query: str) -> set[str]:
        return {row[0] for row in engine.query(query) if row[0]}

    salesforce = emails(
        f"select lower(trim(email)) from {sources}.stg_salesforce__contacts union all "
        f"select lower(trim(email)) from {sources}.stg_salesforce__leads"
    )
    hubspot = emails(f"select lower(trim(property_email)) from {sources}.stg_hubspot__contacts")
    rates = dict(
        engine.query(
            f"select match_rule, people from {sources}.crm__people_across_crms_match_rates"
        )
    )
    assert rates == {
        "both": len(salesforce & hubspot),
        "salesforce_only": len(salesforce - hubspot),
        "hubspot_only": len(hubspot - salesforce),
    }
    # the same business: nearly everyone is in both (each CRM's planted strangers are not)
    assert rates["both"] > 20 * (rates["salesforce_only"] + rates["hubspot_only"])
    # and each CRM found the same person's account (compared by the account's number)
    accounts = engine.query(
        "select salesforce_account_id, hubspot_account_id "
        f"from {sources}.crm__people_across_crms where match_rule = 'both'"
    )
    assert accounts
    assert all(int(s[5:15]) + 5_000_000_000 == int(h) for s, h in accounts if s and h), accounts[:5]


def change_crm_table(engine: Engine, crm: str, table: str, changes: str, where: str) -> None:
    """Update landed CRM rows in place, as a connector's sync does: an UPDATE of the schema
    (PostgreSQL) or a rewrite of the table's parquet folder (DuckDB, a copy of it)."""
    if engine.name == "postgres":
        schema = engine.env[f"KPI_{crm.upper()}_SCHEMA"]
        engine.execute(f"update {schema}.{table} set {changes} where {where}")
        return
    folder = Path(engine.env[f"KPI_{crm.upper()}_DIR"])
    if not folder.name.endswith("-synced"):
        copy = engine.workdir / f"{crm}-synced"
        shutil.copytree(folder, copy)
        engine.env[f"KPI_{crm.upper()}_DIR"] = str(copy)
        folder = copy
    path = folder / table / "part-0000.parquet"
    assignments = dict(part.split(" = ", 1) for part in changes.split(", "))
    replace = ", ".join(
        f"case when {where} then {value} else {column} end as {column}"
        for column, value in assignments.items()
    )
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute(
            f"create table changed as select * replace ({replace}) from read_parquet('{path}')"
        )
        connection.execute(f"copy changed to '{path}' (format parquet)")


def correct_and_delete(engine: Engine, crm: str, won_id: str, lost_id: str) -> None:
    """As a sales team does in the CRM: the won deal's amount corrected upwards by 1000 at
    its close (its history row and the record), the lost one deleted."""
    if crm == "salesforce":
        won = f"lower(id) = '{won_id}'"
        change_crm_table(engine, crm, "opportunity", "amount = amount + 1000", won)
        change_crm_table(
            engine, crm, "opportunity_history", "amount = amount + 1000",
            f"lower(opportunity_id) = '{won_id}' and stage_name = 'Closed Won'",
        )  # fmt: skip
        change_crm_table(
            engine, crm, "opportunity", "is_deleted = true", f"lower(id) = '{lost_id}'"
        )
        return
    won = f"deal_id = '{won_id}'"
    change_crm_table(engine, crm, "deal", "property_amount = property_amount + 1000", won)
    history = (
        f"{engine.env['KPI_HUBSPOT_SCHEMA']}.deal_property_history"
        if engine.name == "postgres"
        else f"read_parquet('{engine.env['KPI_HUBSPOT_DIR']}/deal_property_history/*.parquet')"
    )
    change_crm_table(
        engine, crm, "deal_property_history",
        "value = cast(cast(value as double precision) + 1000 as varchar)",
        f"{won} and name = 'amount' and timestamp = "
        f"(select max(timestamp) from {history} where {won} and name = 'amount')",
    )  # fmt: skip
    change_crm_table(engine, crm, "deal", "is_deleted = true", f"deal_id = '{lost_id}'")


@pytest.mark.parametrize("crm", CRMS)
def test_a_crm_record_changed_after_staging_arrives_as_a_resent_row(
    builds: Builds, crm: str
) -> None:
    """Last in the module: it changes the CRM's tables and rebuilds incrementally."""
    engine = builds.crm[crm]
    stg = engine.relation("staging", "stg_marketing__funnel_events")
    deals = engine.relation("sources", crm + "__deal_attributes")
    won_id, won_amount = engine.query(
        f"select e.opportunity_id, e.amount_usd from {stg} as e "
        f"inner join {deals} as d on e.opportunity_id = lower(d.deal_id) "
        "where e.event_type = 'closed_won' and d.units_per_usd = 1 "
        "order by e.amount_usd desc limit 1"
    )[0]
    lost_id = engine.query(
        f"select opportunity_id from {stg} where event_type = 'closed_lost' "
        "order by opportunity_id limit 1"
    )[0][0]
    correct_and_delete(engine, crm, won_id, lost_id)
    # an incremental run of the connector and of funnel events' staging (their tests with
    # them: the reconciliation with raw included)
    result = engine.dbt(
        ["build", "--select", "path:models/sources", "+stg_marketing__funnel_events",
         "--indirect-selection", "cautious", "--vars", json.dumps(crm_vars(crm, engine))]
    )  # fmt: skip
    reconciled = [
        str(r.status)
        for r in result.result.results
        if str(r.node.name) == "assert_funnel_events_reconcile_with_raw"
    ]
    assert reconciled == ["pass"]
    rows = engine.query(
        f"select amount_usd, version_count from {stg} "
        f"where opportunity_id = '{won_id}' and event_type = 'closed_won'"
    )
    assert len(rows) == 1
    assert math.isclose(float(rows[0][0]), float(won_amount) + 1000, rel_tol=1e-9)
    assert rows[0][1] == 2  # the first version and the re-sent one
    # the deleted opportunity's events stay staged until a full refresh, and say so
    statuses = {
        str(r.node.name): (str(r.status), r.failures)
        for r in result.result.results
        if str(r.node.name).startswith("crm_versions_still_in_crm_" + crm + "__funnel_events")
    }
    assert list(statuses.values()) == [("warn", 3)]  # created, qualified, closed


@pytest.mark.parametrize("crm", CRMS)
def test_ga4_quarantines_what_was_planted_and_finds_people(builds: Builds, crm: str) -> None:
    """GA4 (one shape per build): the anonymous sessions and spam submissions and the
    podcast medium are kept out and counted, the noise sessions read but not counted, and
    the match rate per rule is the generator's."""
    engine = builds.crm[crm]
    web = builds.reports[crm]["web"]
    planted = web["planted"]
    assert web["shape"] == GA4_SHAPES[crm]
    rejected = dict(
        engine.query(
            "select rejection_reason, count(*) "
            f"from {engine.relation('sources', 'ga4__rejected')} group by 1"
        )
    )
    assert planted["unmatched_user"] > planted["spam_form_submissions"] > 0
    assert planted["unmapped_medium"] > 0
    assert rejected == {
        "unmatched_user": planted["unmatched_user"],
        "unmapped_medium": planted["unmapped_medium"],
    }
    # every session not high-intent is noise or a demo request's own (contract or spam)
    sessions = dict(
        engine.query(
            f"select is_high_intent, count(*) from {engine.relation('sources', 'ga4__sessions')} "
            "group by 1"
        )
    )
    demo_requests = engine.query(
        "select count(*) from "
        f"{engine.relation('sources', 'ga4__funnel_events_classified')} "
        "where event_type = 'demo_request'"
    )[0][0]
    assert planted["non_high_intent_sessions"] > 0 and planted["sessions_spanning_midnight"] > 0
    assert sessions[False] == planted["non_high_intent_sessions"] + demo_requests
    # the match rate: high-intent sessions per rule, and their shares, as written
    expected = web["high_intent_sessions_by_identity"]
    assert expected["hashed_email"] > 0 and expected["unmatched"] > 0
    rates = {
        rule: (int(count), float(share))
        for rule, count, share in engine.query(
            "select match_rule, high_intent_sessions, share_of_high_intent_sessions "
            f"from {engine.relation('sources', 'ga4__identity_match_rates')}"
        )
    }
    total = sum(expected.values())
    assert {rule: count for rule, (count, _) in rates.items()} == expected
    for rule, (_, share) in rates.items():
        assert math.isclose(share, expected[rule] / total, rel_tol=1e-9), rule
    # the reconciliation shows the differences planted between the systems: spam form
    # submissions the CRM made no lead of, ad clicks that bounced before GA4 saw a session
    gaps = {
        stage: (float(gap), int(days))
        for stage, gap, days in engine.query(
            "select stage, sum(record_value - compared_value), "
            "sum(case when record_value <> compared_value then 1 else 0 end) "
            f"from {engine.relation('sources', 'ga4__reconciliation')} group by 1"
        )
    }
    ads_planted = builds.reports[crm]["ads"]["planted"]
    assert ads_planted["bounced_clicks"] > 0
    assert gaps["form_submissions_vs_crm_leads"][0] == planted["spam_form_submissions"]
    assert gaps["sessions_vs_ad_clicks"][0] == (
        ads_planted["sessions_without_clicks"] - ads_planted["bounced_clicks"]
    )
    assert all(days > 0 for _, days in gaps.values())
    # the warn test names the medium no seed maps
    warned, log = run_warn_tests(engine, crm, "ga4__unmapped_values", "ga4_values_are_mapped")
    assert warned == [("warn", 1)]
    rows = planted["unmapped_medium"]
    assert f"ga4: 1 medium value is not mapped: podcast ({rows} rows)" in log

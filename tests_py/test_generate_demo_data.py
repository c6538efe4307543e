"""Tests for scripts/generate_demo_data.py: determinism, scale, exact report, leak, funnel."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "generate_demo_data.py"
KNOWN_TYPES = (
    "high_intent_session",
    "demo_request",
    "meeting_scheduled",
    "meeting_held",
    "opportunity_created",
    "opportunity_qualified",
    "closed_won",
    "closed_lost",
)
KNOWN_SQL = ", ".join(f"'{t}'" for t in KNOWN_TYPES)
LEAK_WEEKS = (dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 19))


def load_script(path: Path) -> ModuleType:
    """Import a script from scripts/ (not a package) by its path."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


gen = load_script(SCRIPT)

Generate = Callable[..., Path]


@pytest.fixture(scope="module")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """Run the generator in-process into a fresh folder; returns the folder."""

    def run(events: int, seed: int = 42, *extra: str) -> Path:
        out = tmp_path_factory.mktemp(f"raw_{events}_{seed}")
        argv = ["--events", str(events), "--seed", str(seed), "--output-dir", str(out), "--quiet"]
        assert gen.main([*argv, *extra]) == 0
        return out

    return run


@pytest.fixture(scope="module")
def small(generate: Generate) -> Path:
    return generate(100_000)


@pytest.fixture(scope="module")
def default_size(generate: Generate) -> Path:
    """The default --events 1000000 (about 3-10 s on 2 cores)."""
    return generate(1_000_000)


def connect(raw: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for table in ("funnel_events", "ad_spend", "accounts"):
        con.execute(f"create view {table} as select * from read_parquet('{raw}/{table}/*.parquet')")
    # Valid events: no defect; duplicates collapse to one row (latest ingested_at wins).
    con.execute(
        f"""
        create view clean_events as
        select * exclude (rn) from (
            select *, row_number() over (partition by event_id order by ingested_at desc) as rn
            from funnel_events
            where event_id is not null
                and account_id is not null
                and event_type in ({KNOWN_SQL})
                and coalesce(amount, 0) >= 0
                and occurred_at <= ingested_at
        )
        where rn = 1
        """
    )
    return con


def scalar(con: duckdb.DuckDBPyConnection, query: str) -> Any:
    row = con.execute(query).fetchone()
    assert row is not None
    return row[0]


def report(raw: Path) -> dict[str, Any]:
    return dict(json.loads((raw / "generation_report.json").read_text(encoding="utf-8")))


def content_digest(raw: Path) -> dict[str, tuple[int, str]]:
    """Row count and md5 over the sorted rows of each table."""
    con = connect(raw)
    digests = {}
    for table in ("funnel_events", "ad_spend", "accounts"):
        row = con.execute(
            f"select count(*), md5(string_agg(r, chr(10) order by r)) "
            f"from (select t::varchar as r from {table} as t)"
        ).fetchone()
        assert row is not None
        digests[table] = (int(row[0]), str(row[1]))
    return digests


def weekly_held_ratio(con: duckdb.DuckDBPyConnection, relation: str, motion: str) -> dict:
    rows = con.execute(
        f"""
        select
            date_trunc('week', occurred_at)::date as week,
            count(*) filter (where event_type = 'meeting_held') as held,
            count(*) filter (where event_type = 'meeting_scheduled') as scheduled
        from {relation}
        where motion = '{motion}'
        group by 1
        order by 1
        """
    ).fetchall()
    return {week: held / scheduled for week, held, scheduled in rows if scheduled}


# -- determinism ----------------------------------------------------------------------------------


def test_same_seed_gives_identical_data_and_other_seed_differs(generate: Generate) -> None:
    first, second, other = generate(50_000, 42), generate(50_000, 42), generate(50_000, 7)
    assert content_digest(first) == content_digest(second)
    for table in ("funnel_events", "ad_spend", "accounts"):
        part = Path(table) / "part-0000.parquet"
        assert (first / part).read_bytes() == (second / part).read_bytes(), table
    assert report(first) == report(second)
    assert content_digest(first)["funnel_events"] != content_digest(other)["funnel_events"]
    assert content_digest(first)["accounts"] != content_digest(other)["accounts"]


# -- scale ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("events", [20_000, 80_000])
def test_event_rows_scale_with_events(generate: Generate, events: int) -> None:
    raw = generate(events)
    con = connect(raw)
    rows = scalar(con, "select count(*) from funnel_events")
    assert abs(rows - events) <= 0.05 * events
    assert report(raw)["rows"]["funnel_events"] == rows
    accounts = scalar(con, "select count(*) from accounts")
    assert accounts == max(200, round(events / 40))


# -- schema and report ----------------------------------------------------------------------------


def test_schemas(small: Path) -> None:
    con = connect(small)

    def schema(table: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"describe {table}").fetchall()]

    ts = "TIMESTAMP WITH TIME ZONE"
    assert schema("funnel_events") == [
        ("event_id", "VARCHAR"),
        ("occurred_at", ts),
        ("account_id", "VARCHAR"),
        ("contact_id", "VARCHAR"),
        ("opportunity_id", "VARCHAR"),
        ("event_type", "VARCHAR"),
        ("motion", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("campaign", "VARCHAR"),
        ("amount", "DOUBLE"),
        ("currency", "VARCHAR"),
        ("source_system", "VARCHAR"),
        ("ingested_at", ts),
    ]
    assert schema("ad_spend") == [
        ("spend_date", "DATE"),
        ("channel", "VARCHAR"),
        ("motion", "VARCHAR"),
        ("campaign", "VARCHAR"),
        ("spend", "DOUBLE"),
    ]
    assert schema("accounts") == [
        ("account_id", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("is_target_account", "BOOLEAN"),
        ("region", "VARCHAR"),
    ]


def test_report_counts_match_the_files(small: Path) -> None:
    con = connect(small)
    rep = report(small)
    defects = {
        "missing_event_id": "event_id is null",
        "missing_account_id": "account_id is null",
        "unknown_event_type": f"event_type not in ({KNOWN_SQL})",
        "negative_amount": "amount < 0",
        "occurred_after_ingestion": "occurred_at > ingested_at",
    }
    # Each injected row has exactly one defect, so the classes do not overlap.
    for name, condition in defects.items():
        others = " or ".join(f"({c})" for n, c in defects.items() if n != name)
        count = scalar(con, f"select count(*) from funnel_events where {condition}")
        overlap = scalar(
            con, f"select count(*) from funnel_events where ({condition}) and ({others})"
        )
        assert overlap == 0, name
        assert rep["injected"][name] == count > 0, name
    any_defect = " or ".join(f"coalesce({c}, false)" for c in defects.values())
    rows, distinct = con.execute(
        f"select count(*), count(distinct event_id) from funnel_events where not ({any_defect})"
    ).fetchall()[0]
    assert rep["injected"]["duplicate"] == rows - distinct > 0
    assert rep["valid_events"] == distinct == scalar(con, "select count(*) from clean_events")
    by_type = dict(
        con.execute("select event_type, count(*) from clean_events group by 1").fetchall()
    )
    assert rep["events_by_type"] == {t: by_type.get(t, 0) for t in KNOWN_TYPES}
    for table in ("funnel_events", "ad_spend", "accounts"):
        assert rep["rows"][table] == scalar(con, f"select count(*) from {table}")
    assert rep["seed"] == 42 and rep["events_requested"] == 100_000
    assert rep["leak"]["weeks"] == [w.isoformat() for w in LEAK_WEEKS]


def test_duplicates_are_resent_copies_of_valid_events(small: Path) -> None:
    con = connect(small)
    content = ", ".join(
        r[0] for r in con.execute("describe funnel_events").fetchall() if r[0] != "ingested_at"
    )
    groups = con.execute(
        f"""
        select
            count(*) as copies,
            count(distinct ({content})) as variants,
            epoch(max(ingested_at) - min(ingested_at)) / 3600 as hours_later
        from funnel_events
        where event_id is not null
        group by event_id
        having count(*) > 1
        """
    ).fetchall()
    assert len(groups) == report(small)["injected"]["duplicate"]
    assert {(copies, variants) for copies, variants, _ in groups} == {(2, 1)}
    assert all(1 <= hours <= 73 for _, _, hours in groups)


def test_valid_events_are_consistent(small: Path) -> None:
    con = connect(small)
    assert (
        scalar(
            con,
            "select count(*) from clean_events where account_id not in "
            "(select account_id from accounts)",
        )
        == 0
    )
    checks = {
        "opportunity_id only on opportunity events": """
            (opportunity_id is not null) <> (event_type in ('opportunity_created',
                'opportunity_qualified', 'closed_won', 'closed_lost'))""",
        "amount only on created, qualified and won": """
            (amount is not null) <> (event_type in ('opportunity_created',
                'opportunity_qualified', 'closed_won'))""",
        "currency with amount": "(currency is not null) <> (amount is not null)",
        "currency is USD": "currency <> 'USD'",
        "source system": """source_system <> case event_type
            when 'high_intent_session' then 'web_analytics'
            when 'demo_request' then 'marketing_automation' else 'crm' end""",
        "ingested after occurred": "ingested_at <= occurred_at",
        "within the date range": """
            occurred_at < timestamptz '2026-01-01 00:00:00+00'
            or occurred_at >= timestamptz '2026-11-16 00:00:00+00'""",
        "id formats": """not (event_id like 'evt_%' and account_id like 'acc_%'
            and contact_id like 'ctc_%' and coalesce(opportunity_id, 'opp_') like 'opp_%')""",
    }
    for name, violation in checks.items():
        assert scalar(con, f"select count(*) from clean_events where {violation}") == 0, name
    # A journey keeps its account, contact, motion, channel and campaign.
    assert (
        scalar(
            con,
            """
        select count(*) from (
            select opportunity_id from clean_events where opportunity_id is not null
            group by 1
            having count(distinct (account_id, contact_id, motion, channel, campaign)) > 1
        )
        """,
        )
        == 0
    )


def test_ad_spend_covers_paid_campaigns_daily(small: Path) -> None:
    con = connect(small)
    channels = {r[0] for r in con.execute("select distinct channel from ad_spend").fetchall()}
    assert channels == {"paid_search", "events", "partner", "email"}
    days = scalar(con, "select count(distinct spend_date) from ad_spend")
    assert days == (dt.date(2026, 11, 15) - dt.date(2026, 1, 1)).days + 1
    assert scalar(con, "select count(*) from ad_spend where spend <= 0") == 0
    assert (
        scalar(con, "select count(*) - count(distinct (spend_date, campaign)) from ad_spend") == 0
    )


def test_date_range_is_respected(generate: Generate) -> None:
    raw = generate(20_000, 42, "--start-date", "2026-03-01", "--end-date", "2026-03-31")
    con = connect(raw)
    low = scalar(con, "select min(occurred_at) from funnel_events")
    high = scalar(con, "select max(occurred_at) from funnel_events")
    assert low >= dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert high < dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert scalar(con, "select min(spend_date) from ad_spend") == dt.date(2026, 3, 1)
    assert scalar(con, "select max(spend_date) from ad_spend") == dt.date(2026, 3, 31)


# -- the leak and the funnel at the default size ---------------------------------------------


def test_leak_is_visible_in_raw_inbound_weekly_held_rate(default_size: Path) -> None:
    con = connect(default_size)
    ratio = weekly_held_ratio(con, "funnel_events", "inbound")  # raw rows, as a user sees them
    before = [LEAK_WEEKS[0] - dt.timedelta(weeks=k) for k in range(1, 9)]
    baseline = sum(ratio[w] for w in before) / len(before)
    series = [ratio[before[0]]] + [ratio[w] for w in LEAK_WEEKS]
    assert all(later < earlier for earlier, later in itertools.pairwise(series)), series
    assert ratio[LEAK_WEEKS[2]] < 0.6 * baseline
    recovered = LEAK_WEEKS[2] + dt.timedelta(weeks=1)
    assert ratio[recovered] > 0.7


def test_weekly_held_rate_is_stable_outside_the_leak(default_size: Path) -> None:
    con = connect(default_size)
    ratio = weekly_held_ratio(con, "clean_events", "inbound")
    steady = [r for w, r in ratio.items() if w >= dt.date(2026, 2, 2) and w not in LEAK_WEEKS]
    assert min(steady) > 0.75 and max(steady) < 0.85, (min(steady), max(steady))


def test_funnel_rates_are_plausible(default_size: Path) -> None:
    con = connect(default_size)
    counts = dict(
        con.execute("select event_type, count(*) from clean_events group by 1").fetchall()
    )
    landing = counts["demo_request"] / counts["high_intent_session"]
    assert 0.01 <= landing <= 0.03
    leak = ", ".join(f"date '{w}'" for w in LEAK_WEEKS)
    held, scheduled = con.execute(
        f"""
        select
            count(*) filter (where event_type = 'meeting_held'),
            count(*) filter (where event_type = 'meeting_scheduled')
        from clean_events
        where date_trunc('week', occurred_at)::date not in ({leak})
        """
    ).fetchall()[0]
    assert 0.7 <= held / scheduled <= 0.9
    average = scalar(
        con, "select avg(amount) from clean_events where event_type = 'opportunity_created'"
    )
    assert 25_000 <= average <= 60_000
    qualified = counts["opportunity_qualified"]
    cost_per_qualified = scalar(con, "select sum(spend) from ad_spend") / qualified
    assert 1_000 <= cost_per_qualified <= 10_000
    motion_share = dict(
        con.execute(
            "select motion, count(*) / sum(count(*)) over () from clean_events "
            "where event_type = 'high_intent_session' group by 1"
        ).fetchall()
    )
    assert motion_share["inbound"] == pytest.approx(0.7, abs=0.02)
    assert motion_share["abm"] == pytest.approx(0.2, abs=0.02)


def test_seasonality_and_weekdays(default_size: Path) -> None:
    con = connect(default_size)
    per_day = dict(
        con.execute(
            """
            select month(occurred_at), count(*) / count(distinct occurred_at::date)
            from clean_events where event_type = 'high_intent_session' group by 1
            """
        ).fetchall()
    )
    assert per_day[8] < 0.85 * per_day[5]  # summer dip
    assert per_day[10] > 1.1 * per_day[5]  # Q4 push
    assert per_day[1] < 0.85 * per_day[3]  # slow January
    weekday = dict(
        con.execute(
            "select isodow(occurred_at) > 5, count(*) / count(distinct occurred_at::date) "
            "from clean_events where event_type = 'high_intent_session' group by 1"
        ).fetchall()
    )
    assert weekday[True] < 0.6 * weekday[False]


# -- command line ---------------------------------------------------------------------------------


def test_cli_runs_as_a_script_and_prints_a_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "5000", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "funnel_events" in done.stderr and "injected" in done.stderr
    assert (tmp_path / "generation_report.json").exists()


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        gen.main(
            [
                "--start-date",
                "2026-05-01",
                "--end-date",
                "2026-04-01",
                "--output-dir",
                str(tmp_path),
            ]
        )
    assert exit_info.value.code == 2
    assert "--end-date" in capsys.readouterr().err


def test_rerun_replaces_previous_parquet_files(generate: Generate) -> None:
    raw = generate(10_000)
    stale = raw / "funnel_events" / "part-0001.parquet"
    stale.write_bytes((raw / "funnel_events" / "part-0000.parquet").read_bytes())
    assert gen.main(["--events", "10000", "--output-dir", str(raw), "--quiet"]) == 0
    assert sorted(p.name for p in (raw / "funnel_events").glob("*.parquet")) == [
        "part-0000.parquet"
    ]

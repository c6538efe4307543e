"""The generator's command line (scripts/generate_demo_data.py).

What it writes is tested per concern in tests_py/generator/: determinism, scale, the report,
each motion's funnel, the injected effects, touches and the customer lifecycle.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SCRIPTS_DIR, load_script
from kpitree.raw_tables import RAW_TABLES

SCRIPT = SCRIPTS_DIR / "generate_demo_data.py"


def test_cli_runs_as_a_script_and_writes_every_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "5000", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "funnel_events" in done.stderr and "injected" in done.stderr
    report = json.loads((tmp_path / "generation_report.json").read_text())
    assert list(report["tables"]) == list(RAW_TABLES)
    for table in RAW_TABLES:
        assert (tmp_path / table / "part-0000.parquet").exists(), table


def test_the_entry_point_loads_by_path_as_the_suites_load_it(tmp_path: Path) -> None:
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "2000", "--output-dir", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "generation_report.json").exists()


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generator = load_script("generate_demo_data")
    for argv, named in (
        (["--start-date", "2026-05-01", "--end-date", "2026-04-01"], "--end-date"),
        (["--events", "10"], "--events"),
        (["--bad-row-share", "0.5"], "--bad-row-share"),
        (["--threads", "0"], "--threads"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            generator.main([*argv, "--output-dir", str(tmp_path)])
        assert exit_info.value.code == 2
        assert named in capsys.readouterr().err


def test_rerun_replaces_previous_parquet_files(tmp_path: Path) -> None:
    generator = load_script("generate_demo_data")
    argv = ["--events", "3000", "--output-dir", str(tmp_path), "--quiet"]
    assert generator.main(argv) == 0
    stale = tmp_path / "touches" / "part-0001.parquet"
    stale.write_bytes((tmp_path / "touches" / "part-0000.parquet").read_bytes())
    assert generator.main(argv) == 0
    assert sorted(p.name for p in (tmp_path / "touches").glob("*.parquet")) == ["part-0000.parquet"]


def test_no_bad_rows_when_the_share_is_zero(tmp_path: Path) -> None:
    generator = load_script("generate_demo_data")
    argv = ["--events", "3000", "--output-dir", str(tmp_path), "--quiet", "--bad-row-share", "0"]
    assert generator.main(argv) == 0
    report = json.loads((tmp_path / "generation_report.json").read_text())
    for table, counts in report["tables"].items():
        assert set(counts["injected"].values()) == {0}, table
        assert counts["rows"] == counts["valid_rows"], table

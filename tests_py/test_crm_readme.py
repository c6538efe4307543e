"""docs/connectors.md ("Bring your own data"), followed literally: the worked example's
commands run as they are written, in a copy of the project, from an empty folder to the first tree.

Cost (2 cores): the generator 3 s, one `dbt build` of 20k events through the Salesforce
connector, the three ad platforms, Stripe and GA4 (about 90 s), five `dbt show` and the export
(about 50 s).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from harness import REPO_ROOT, copy_project, run_shell

HEADING = "## A worked example: from an empty warehouse to the first tree"


def example_commands() -> list[str]:
    """The shell lines of the first sh block after the example's heading."""
    readme = (REPO_ROOT / "docs" / "connectors.md").read_text()
    section = readme[readme.index(HEADING) :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the worked example has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_worked_example_runs_as_written(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "scripts").symlink_to(REPO_ROOT / "scripts")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KPI_", "DBT_"))  # nothing the page does not set
    }
    commands = example_commands()
    assert commands[0].startswith("python scripts/generate_demo_data.py")
    assert any(
        c.startswith("dbt build --vars '{crm_connector: salesforce, ad_platforms: [google_ads,")
        for c in commands
    )
    output = run_shell("\n".join(commands), project, environment, 1800)
    # what no seed maps is listed by `dbt show`
    assert "Legal Review" in output and "Podcast" in output
    assert "google_ads: Display | Prospecting | Test" in output
    assert "cus_planted1 (Planted 1)" in output  # the Stripe customer no mapping resolves
    assert "| podcast " in output  # the GA4 medium no seed maps
    # the systems side by side, per day and stage (docs/connectors.md, "Reconciliation")
    stages = ("form_submissions_vs_crm_leads", "sessions_vs_ad_clicks", "closed_won_arr")
    assert any(stage in output for stage in stages)
    # the first tree, from Salesforce's tables: October 2026's inbound pipeline
    exported = sorted((project / "output" / "crm-example").glob("*.json"))
    trees = [json.loads(path.read_text()) for path in exported]
    tree = next(document for document in trees if "root" in document)
    assert (tree["tree"], tree["period_start"]) == ("inbound", "2026-10-01")
    assert tree["root"]["node_id"] == "pipeline_created"
    assert tree["root"]["actual"] > 0
    assert {child["node_id"] for child in tree["root"]["children"]} >= {
        "qualified_opportunities",
        "average_opportunity_value",
    }

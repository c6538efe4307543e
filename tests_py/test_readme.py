"""The README and docs/: every link, command and path they name exists, and nothing of the
former single-page README is lost.

The README is a five-minute tour and the reference lives in docs/, one page per topic
(docs/README_MAP.md lists where each section of the old single page went). These checks
read README.md, docs/*.md, models/overview.md and the Makefile as text: no dbt, well under
a second. What they hold:

- every relative link (and image) resolves to a file or folder of the repository and, with
  an #anchor, to a heading of that Markdown file (GitHub's anchors);
- every `make <target>` in code names a target of the Makefile, every
  `dbt run-operation <macro>` a macro of macros/, and every repository path in code (a
  script, a model, a seed, a doc, ...) exists (a `<placeholder>` part: its folder exists;
  a `*`: something matches);
- every heading of the single-page README is still a heading of the README or of a page in
  docs/, and the map names each;
- the README stays under 300 lines, with the picture and the two commands on its first
  screen; every page of docs/ opens with a paragraph linking back to it;
- the dbt docs site's overview (models/overview.md) opens with the README's first paragraph
  and picture, and holds no other Jinja than its docs block.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAP = DOCS / "README_MAP.md"
OVERVIEW = REPO_ROOT / "models" / "overview.md"

# The `##` and `###` headings of README.md before it was split (issue 29), in their order.
OLD_README_HEADINGS = (
    "Two commands",
    "Troubleshooting",
    "Where things are",
    "Data flow",
    "Lineage",
    "Definitions: metrics and trees",
    "Metric meta schema",
    "Trees",
    "Add a metric",
    "Add a tree",
    "The metric compiler",
    "What a view holds",
    "What it supports",
    "Where the views differ from MetricFlow, on purpose",
    "Deliberate limits",
    "Use the compiler in another dbt project",
    "Targets",
    "The resolved tree",
    "Definition rules",
    "Definition history",
    "Decisions: breaches and where to look first",
    "Revenue and unit economics",
    "The export",
    "Reliability",
    "Raw data: what staging guarantees, and its limits",
    "Operations",
    "Publishing for dashboards",
    "For dashboard authors",
    "The Superset dashboards",
    "Engines and settings",
    "Scale",
    "Demo data",
    "Development",
)

# Paths named in code that are not this repository's files, and why.
NOT_IN_THIS_REPOSITORY = {
    "models/metrics/orders_metric.sql": "a view in an adopter's project (compiler.md's example)",
    # the adopter's files of the README's "Use kpi-tree in another dbt project"
    "models/semantic/_kpi_metrics.yml": "an adopter's metrics (README, package use)",
    "seeds/sales_targets.csv": "an adopter's targets (README, package use)",
    "seeds/sales_thresholds.csv": "an adopter's thresholds (README, package use)",
    "models/metrics/kpi_$metric.sql": "an adopter's views (README, package use)",
}
# Folders and root files a path in code may start with (generated folders such as target/,
# data/ and output/ are not checked: a fresh clone has none of them).
REPOSITORY_FOLDERS = (
    "scripts", "models", "macros", "seeds", "snapshots", "tests", "tests_py", "docs",
    "dashboards", ".ci",
)  # fmt: skip
ROOT_FILES = (
    "dbt_project.yml", "profiles.yml", "Makefile", "requirements.txt",
    "requirements-dev.txt", "pyproject.toml", "pytest.ini", ".sqlfluff",
)  # fmt: skip
PATH_IN_CODE = re.compile(
    r"(?<![\w./$-])((?:" + "|".join(re.escape(f) for f in REPOSITORY_FOLDERS) + r"|kpitree)"
    r"/[^\s`'\"(),;:|]*"
    r"|(?:" + "|".join(re.escape(f) for f in ROOT_FILES) + r")(?![\w.-]))"
)
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^()\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MAKE = re.compile(r"(?:^|[\s;&|(])make\s+(?:[A-Z_]+=\S+\s+)*([a-z][a-z0-9_-]*)")
RUN_OPERATION = re.compile(r"\bdbt\s+run-operation\s+([a-z_][a-z0-9_]*)")


def split_markdown(text: str) -> tuple[str, list[str]]:
    """The prose (fenced code blanked out, line numbers kept) and the fenced blocks."""
    prose, blocks, block = [], [], []
    in_fence = False
    for line in text.split("\n"):
        if FENCE.match(line):
            if in_fence:
                blocks.append("\n".join(block))
                block = []
            in_fence = not in_fence
            prose.append("")
        elif in_fence:
            block.append(line)
            prose.append("")
        else:
            prose.append(line)
    assert not in_fence, "a code fence is not closed"
    return "\n".join(prose), blocks


def headings(path: Path) -> list[str]:
    prose, _ = split_markdown(path.read_text())
    return [match[2] for line in prose.split("\n") if (match := HEADING.match(line))]


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text, lower-cased, punctuation dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in headings(path):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def code_texts(path: Path) -> list[str]:
    """The inline code spans and the fenced blocks of a page."""
    prose, blocks = split_markdown(path.read_text())
    return [span[1:-1] for span in CODE_SPAN.findall(prose)] + blocks


def links(path: Path) -> list[str]:
    prose, _ = split_markdown(path.read_text())
    return LINK.findall(CODE_SPAN.sub("code", prose))


def makefile_targets() -> set[str]:
    targets = set()
    for line in (REPO_ROOT / "Makefile").read_text().split("\n"):
        if (match := re.match(r"^([\w.$()/-][\w.$()/ -]*?)\s*::?(?!=)", line)) and "=" not in (
            match[1]
        ):
            targets.update(match[1].split())
    return targets


def macro_names() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "macros").rglob("*.sql"):
        names.update(re.findall(r"{%-?\s*macro\s+(\w+)\s*\(", path.read_text()))
    return names


def path_exists(named: str) -> bool:
    named = named.rstrip(".")
    relative = "scripts/" + named if named.startswith("kpitree/") else named
    if "<" in relative or "{" in relative:
        folder = relative[: min(i for i in (relative.find("<"), relative.find("{")) if i >= 0)]
        return (REPO_ROOT / folder.rsplit("/", 1)[0]).is_dir()
    if "*" in relative:
        return any(REPO_ROOT.glob(relative))
    return (REPO_ROOT / relative).exists()


def page_id(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {linked.name}")
    assert not broken, f"{page_id(page)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_make_target_and_operation_exists(page: Path) -> None:
    targets, macros = makefile_targets(), macro_names()
    named_targets = {t for code in code_texts(page) for t in MAKE.findall(code)}
    named_macros = {m for code in code_texts(page) for m in RUN_OPERATION.findall(code)}
    assert named_targets - targets == set(), f"{page_id(page)}: not Makefile targets"
    assert named_macros - macros == set(), f"{page_id(page)}: no such macro for run-operation"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_path_named_in_code_exists(page: Path) -> None:
    named = {path for code in code_texts(page) for path in PATH_IN_CODE.findall(code)}
    missing = sorted(
        path for path in named if path not in NOT_IN_THIS_REPOSITORY and not path_exists(path)
    )
    assert not missing, f"{page_id(page)} names paths that do not exist: {missing}"


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The parsing the other tests rely on, on a page with one of each mistake."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\nSee [a](missing.md), [b](#nowhere), [c](#title) and `make no-such`.\n\n"
        "```sh\nmake demo\npython scripts/no_such_script.py   # [d](not-a-link.md)\n```\n\n"
        "## What `make demo` does, twice\n\n## What `make demo` does, twice\n"
    )
    assert links(page) == ["missing.md", "#nowhere", "#title"]
    assert anchors(page) == {"title", "what-make-demo-does-twice", "what-make-demo-does-twice-1"}
    codes = code_texts(page)
    assert {t for code in codes for t in MAKE.findall(code)} == {"no-such", "demo"}
    assert {p for code in codes for p in PATH_IN_CODE.findall(code)} == {
        "scripts/no_such_script.py"
    }
    assert not path_exists("scripts/no_such_script.py")
    assert path_exists("models/metrics/<metric>.sql")
    assert path_exists("models/semantic/_metrics__*.yml")
    assert not path_exists("models/no_such_folder/<metric>.sql")
    assert {"demo", "test", "tree-picture"} <= makefile_targets()
    assert "no-such" not in makefile_targets()
    assert slug("Least privilege (PostgreSQL)") == "least-privilege-postgresql"
    assert slug("Raw data: what staging guarantees, and its limits") == (
        "raw-data-what-staging-guarantees-and-its-limits"
    )


def test_no_heading_of_the_single_page_readme_is_lost() -> None:
    """A section of the old README may move, never vanish: each heading is still a
    heading of the README or of a docs page, and docs/README_MAP.md says where."""
    now = {heading for page in PAGES if page != README_MAP for heading in headings(page)}
    lost = [heading for heading in OLD_README_HEADINGS if heading not in now]
    assert not lost, f"headings of the former README found nowhere: {lost}"
    mapped = {
        row.split("|")[1].strip()
        for row in README_MAP.read_text().split("\n")
        if row.startswith("| ") and not row.startswith("|---")
    }
    assert set(OLD_README_HEADINGS) - mapped == set(), "docs/README_MAP.md misses a heading"
    assert len(OLD_README_HEADINGS) == 33


def test_the_readme_reads_in_five_minutes() -> None:
    lines = README.read_text().split("\n")
    assert len(lines) < 300
    first_screen = "\n".join(lines[:40])
    assert "](docs/images/tree-page.png)" in first_screen
    assert "make demo" in first_screen
    assert "make test" in first_screen


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=page_id)
def test_every_docs_page_opens_with_what_it_covers_and_a_link_back(page: Path) -> None:
    prose, _ = split_markdown(page.read_text())
    paragraphs = [p for p in re.split(r"\n\s*\n", prose) if p.strip()]
    assert HEADING.match(paragraphs[0]), f"{page_id(page)} has no title"
    assert "](../README.md)" in paragraphs[1], f"{page_id(page)}: no link back to the README"


def test_the_docs_site_overview_opens_with_the_readme_first_screen() -> None:
    """`dbt docs generate` opens on models/overview.md: it says what the README says, and
    dbt renders nothing from the environment into it."""
    _, first_paragraph, picture = README.read_text().split("\n\n")[:3]
    overview = OVERVIEW.read_text()
    opening, _, rest = overview.partition("\n")
    body, _, closing = rest.rpartition("{% enddocs %}")
    assert opening == "{% docs __overview__ %}"
    assert closing.strip() == ""
    assert not re.search(r"\{\{|\{%|\{#", body), "Jinja in the overview"
    flat = " ".join(body.split())
    assert " ".join(first_paragraph.split()) in flat
    assert picture in body
    assert "](docs/images/" in picture

"""Nothing from the environment reaches a definition: the check, run before dbt.

dbt renders Jinja in YAML (`{{ env_var('PGPASSWORD') }}` in a metric's description,
label or meta, a tree's label in vars) while it reads the files, before any macro of
the project runs: by then a secret is ordinary text, and the project's macros would
write it into kpi_definitions, kpi_trees and the warehouse's comments that BI reads.
So this check reads the raw files instead, as dbt would find them, and refuses any
Jinja in the text of a definition, whatever it calls (env_var, target.user, var(...)
of an env-rendered var, ...), but `{{ doc('name') }}`, whose blocks dbt never renders:

- in every YAML properties file of the project's model, seed, snapshot, analysis,
  test and macro paths: each `description` and `label`, and everything under `meta`
  (config.meta included), at any depth (columns, dimensions, measures, entities...);
  not a source's meta (dbt-duckdb reads its external_location there), not data tests'
  arguments, not metric filters (MetricFlow templates dbt does not render);
- in dbt_project.yml: every string under `vars` (kpi_trees and its labels, owners and
  descriptions, the vocabularies...) and under a `meta` / `+meta` config.

    python scripts/check_definitions.py [--project-dir .]

Exit codes: 0 clean, 1 definitions read the environment (each printed with the
resource, the field and the file), 2 bad arguments or an unreadable project.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

# dbt renders a value holding an expression or a statement; a comment renders to nothing.
JINJA = re.compile(r"\{\{|\{%")
DOC_CALL = re.compile(
    r"""\{\{-?\s*doc\(\s*(['"])[\w.-]+\1(\s*,\s*(['"])[\w.-]+\3)?\s*\)\s*-?\}\}"""
)
ENVIRONMENT_CALL = re.compile(r"\benv_var\s*\(\s*(['\"])([^'\"]*)\1")
TEXT_KEYS = frozenset({"description", "label"})
META_KEYS = frozenset({"meta", "+meta"})
SKIPPED_KEYS = frozenset({"data_tests", "tests", "filter"})
PATH_SETTINGS = {
    "model-paths": ["models"],
    "seed-paths": ["seeds"],
    "snapshot-paths": ["snapshots"],
    "analysis-paths": ["analyses"],
    "test-paths": ["tests"],
    "macro-paths": ["macros"],
}
# properties file sections whose entries are named resources
SINGULAR = {
    "models": "model", "seeds": "seed", "snapshots": "snapshot", "sources": "source",
    "metrics": "metric", "semantic_models": "semantic model", "saved_queries": "saved query",
    "exposures": "exposure", "macros": "macro", "analyses": "analysis", "groups": "group",
    "unit_tests": "unit test",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One text of a definition that dbt would render from Jinja."""

    resource: str
    field: str
    file: Path
    text: str
    doc_allowed: bool = True

    def message(self) -> str:
        variables = sorted({match[1] for match in ENVIRONMENT_CALL.findall(self.text)})
        what = (
            "reads the environment (" + ", ".join(f"env_var('{v}')" for v in variables) + ")"
            if variables
            else "holds Jinja, which dbt renders with the environment at hand"
        )
        return (
            f"{self.resource}, field {self.field} ({self.file}): {what}; definitions land "
            "in tables dashboards read, so write the text itself"
            + (" (a {{ doc('...') }} block is allowed)" if self.doc_allowed else "")
        )


def renders_jinja(text: str, allow_doc: bool) -> bool:
    """True when dbt would render something other than doc() blocks in text."""
    if allow_doc:
        text = DOC_CALL.sub("", text)
    return JINJA.search(text) is not None


def label(key: Any, value: Any, index: int) -> str:
    """A path element: a list item by its name when it has one."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return f"{key}[{value['name']}]" if key is not None else value["name"]
    return f"{key}[{index}]" if key is not None else str(index)


def walk_text(
    value: Any, path: list[str], in_meta: bool, skip_meta: bool, seen: set[int]
) -> Iterator[tuple[str, str]]:
    """(field path, text) of every text of a definition below value."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:  # a YAML alias of a part already walked
            return
        seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            if name in SKIPPED_KEYS:
                continue
            if name in META_KEYS and skip_meta:
                continue
            child_in_meta = in_meta or name in META_KEYS
            if isinstance(item, str):
                if child_in_meta or name in TEXT_KEYS:
                    yield ".".join([*path, name]), item
            else:
                yield from walk_text(item, [*path, name], child_in_meta, skip_meta, seen)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                if in_meta:
                    yield ".".join(path) + f"[{index}]", item
                continue
            last = path[-1] if path else None
            yield from walk_text(
                item, [*path[:-1], label(last, item, index)], in_meta, skip_meta, seen
            )


def load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read {path}: {error}") from error


def properties_findings(path: Path, relative: Path) -> Iterator[Finding]:
    document = load_yaml(path)
    if not isinstance(document, dict):
        return
    for section, entries in document.items():
        if section not in SINGULAR or not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            resource = f"{SINGULAR[section]} '{entry.get('name', index)}'"
            for field, text in walk_text(entry, [], False, section == "sources", set()):
                if renders_jinja(text, allow_doc=True):
                    yield Finding(resource, field, relative, text)


def project_findings(project: dict[str, Any], relative: Path) -> Iterator[Finding]:
    seen: set[int] = set()
    variables = project.get("vars") or {}
    if isinstance(variables, dict):
        trees = variables.get("kpi_trees")
        if isinstance(trees, dict):
            for tree_id, tree in trees.items():
                for field, text in walk_text(tree, [], True, False, seen):
                    if renders_jinja(text, allow_doc=False):
                        yield Finding(f"tree '{tree_id}'", field, relative, text, False)
        for name, value in variables.items():
            if name == "kpi_trees":
                continue
            if isinstance(value, str):
                if renders_jinja(value, allow_doc=False):
                    yield Finding(f"var '{name}'", "value", relative, value, False)
                continue
            for field, text in walk_text(value, [], True, False, seen):
                if renders_jinja(text, allow_doc=False):
                    yield Finding(f"var '{name}'", field, relative, text, False)
    for section in ("models", "seeds", "snapshots", "sources", "semantic-models", "metrics"):
        configs = project.get(section)
        for field, text in walk_text(configs, [], False, False, seen):
            if renders_jinja(text, allow_doc=True):
                yield Finding(f"{section} config", field, relative, text)


def find_environment_reads(project_dir: Path) -> list[Finding]:
    """Every text of a definition in the project that dbt would render from Jinja."""
    project_file = project_dir / "dbt_project.yml"
    project = load_yaml(project_file)
    if not isinstance(project, dict):
        raise ValueError(f"{project_file} is not a dbt project file")
    findings = list(project_findings(project, Path("dbt_project.yml")))
    for setting, default in PATH_SETTINGS.items():
        for folder in project.get(setting) or default:
            root = project_dir / str(folder)
            for path in sorted([*root.rglob("*.yml"), *root.rglob("*.yaml")]):
                findings.extend(properties_findings(path, path.relative_to(project_dir)))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Refuse Jinja (env_var, ...) in the text of metric, tree and model "
        "definitions, before dbt renders it into tables."
    )
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="default: .")
    args = parser.parse_args(argv)
    try:
        findings = find_environment_reads(args.project_dir)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for finding in findings:
        print(f"error: {finding.message()}", file=sys.stderr)
    if findings:
        print(f"{len(findings)} definition text(s) would read the environment", file=sys.stderr)
        return 1
    return 0

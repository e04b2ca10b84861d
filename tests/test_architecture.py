"""The import contracts of pyproject.toml (floors, public modules, no HTTP in services, no cycles)
hold, and every module an app adds is either public or listed as its own."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.import_contracts import _imports

ROOT = Path(__file__).resolve().parent.parent
# What an app offers the others (see the contract "Apps use each other through …").
PUBLIC = {"services", "models", "events", "providers", "permissions", "apps", "migrations"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def test_lint_imports_keeps_every_contract():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout


def test_every_internal_module_of_an_app_is_closed_to_the_other_apps():
    """A module added to an app is its own unless public: the contract must list it."""
    contract = next(c for name, c in _contracts().items() if name.startswith("Apps use each other"))
    listed = set(contract["forbidden_modules"])
    graph = grimp.build_graph("steward", cache_dir=None)
    internal = set()
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) >= 3 and parts[1] != "core" and parts[2] not in PUBLIC:
            internal.add(".".join(parts[:3]))
    assert internal - listed == set(), "list these in pyproject.toml, or make them public"
    assert listed - internal == set(), "these modules are gone: remove them from pyproject.toml"
    apps = {module.split(".")[1] for module in graph.modules if module.count(".") == 1 and module != "steward.core"}
    packages = {m for m in apps if graph.find_children(f"steward.{m}")}
    assert {f"steward.{app}" for app in packages} == set(contract["source_modules"])


@pytest.mark.parametrize(("line", "name", "expected"), [
    ("from django.http import HttpRequest", "django.http", True),
    ("from django.http.response import Http404", "django.http", True),
    ("from django import http", "django.http", True),
    ("import django.shortcuts", "django.shortcuts", True),
    ("from django.db import transaction", "django.http", False),
    ("from django.httpx import nothing", "django.http", False),
    ("from django import db, forms", "django.http", False),
])
def test_the_external_submodule_contract_reads_import_lines(line, name, expected):
    assert _imports(line, name) is expected


# Reverse relations are not imports, so import-linter cannot see them: `case.reports` in the cases
# app reads the reports app's rows without importing it. Each app's floor (DESIGN.md); Django's
# own models count as core.
FLOORS = {"core": 0, "auth": 0, "registry": 1, "policy": 1, "staff": 1, "cases": 2, "reports": 3, "decisions": 3,
          "retention": 4, "enforcement": 4, "demo": 5}


def _sees(app: str, owner: str) -> bool:
    """Whether code of `app` may follow a relation that `owner`'s models declare."""
    return app == owner or FLOORS[owner] < FLOORS[app]


def _upward_accessors() -> dict[str, set[str]]:
    """Per app, the reverse accessors (on its models or those below) that apps above it declared."""
    from django.apps import apps as django_apps

    found: dict[str, set[str]] = {}
    for model in django_apps.get_models():
        owner = model._meta.app_label
        if owner not in FLOORS:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model is not None):
                continue
            if field.remote_field.hidden:  # related_name="+": no accessor
                continue
            target = field.related_model._meta.app_label
            if target == owner or target not in FLOORS:
                continue
            accessor = field.remote_field.get_accessor_name()
            for app in FLOORS:
                if not _sees(app, owner):
                    found.setdefault(app, set()).add(accessor)
    return found


def _sources(app: str) -> list[Path]:
    steward = ROOT / "steward"
    if app == "auth":
        return []
    roots = [steward / app, steward / "templates" / app]
    if app == "core":
        roots += [steward / "templates" / name for name in ("account", "allauth", "errors", "includes", "mfa")]
        roots += [steward / "templates" / "base.html", steward / "templates" / "home.html"]
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files += [p for p in root.rglob("*") if p.suffix in {".py", ".html", ".txt"} and "migrations" not in p.parts]
    return files


def test_no_app_follows_a_relation_declared_by_an_app_above_it():
    import re

    offences = []
    for app, accessors in sorted(_upward_accessors().items()):
        names = "|".join(sorted(accessors))
        pattern = re.compile(rf"(?<!steward)\.({names})\b(?!\s*\()|\b({names})__")
        for path in _sources(app):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert offences == [], "\n".join(offences)

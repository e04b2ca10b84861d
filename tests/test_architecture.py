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

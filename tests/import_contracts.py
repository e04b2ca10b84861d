"""An import-linter contract type Steward needs and import-linter lacks: forbidding one submodule
of an external package (``django.http``) to some of our modules. import-linter only sees external
packages whole (``django``), so this contract reads the import lines themselves.

Registered in pyproject.toml (``contract_types``); `lint-imports` runs it with the others.
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.helpers import module_expressions_to_modules


class ForbiddenExternalSubmodules(Contract):
    """source_modules (expressions, e.g. ``steward.*.services``) must not import any of
    forbidden_submodules (dotted names inside an external package, e.g. ``django.http``)."""

    type_name = "forbidden_external_submodules"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    forbidden_submodules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources = sorted(m.name for m in module_expressions_to_modules(
            graph, self.source_modules, raise_if_unmatched=True))  # type: ignore[arg-type]
        forbidden: list[str] = list(self.forbidden_submodules)  # type: ignore[call-overload]
        found: list[dict[str, Any]] = []
        for source in sources:
            for package in {name.split(".")[0] for name in forbidden}:
                for detail in graph.get_import_details(importer=source, imported=package):
                    line = detail["line_contents"]
                    if any(_imports(line, name) for name in forbidden):
                        found.append({"importer": source, "line_number": detail["line_number"], "line": line})
        return ContractCheck(kept=not found, warnings=[], metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["found"]:
            output.print_error(f"- {item['importer']} (l.{item['line_number']}): {item['line']}", bold=False)
            output.new_line()


def _imports(line: str, name: str) -> bool:
    """Whether an import line brings in module `name` or something of it."""
    words = line.replace(",", " ").split()
    if words[:1] == ["from"] and len(words) > 1:
        module = words[1]
        if module == name or module.startswith(name + "."):
            return True
        parent, _, child = name.rpartition(".")
        return module == parent and child in words[3:]  # from django import http
    if words[:1] == ["import"]:
        return any(word == name or word.startswith(name + ".") for word in words[1:])
    return False

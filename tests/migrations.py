"""Running migrations back and forth in a test (the data migrations' tests, which need transaction=True)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to these nodes and return the historical apps at them (to make rows as they were)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


def latest() -> list[tuple[str, str]]:
    """Every app's newest migration."""
    nodes: list[tuple[str, str]] = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return nodes

"""One module per system, behind the interface of `base.Connector`. A system without one, or
whose connector is not configured, is carried out by hand (manual steps on the rollout page)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from .base import Connector
from .bugzilla import BugzillaConnector
from .discourse import DiscourseConnector
from .github import GitHubConnector
from .gitlab import GitLabConnector
from .mailman import MailmanConnector
from .matrix import MatrixConnector
from .slack import SlackConnector
from .webhook import WebhookConnector

# httpx logs every request's URL at INFO, and a connector's URLs name the person's account.
logging.getLogger("httpx").setLevel(logging.WARNING)

CONNECTORS: dict[str, type[Connector]] = {
    connector.system: connector for connector in (
        MatrixConnector, GitHubConnector, GitLabConnector, DiscourseConnector, SlackConnector, BugzillaConnector,
        MailmanConnector, WebhookConnector)}
_transport: httpx.BaseTransport | None = None


def connector_class(system: str) -> type[Connector] | None:
    return CONNECTORS.get(system)


def build(system: str, settings: dict[str, Any], credentials: dict[str, str]) -> Connector | None:
    cls = connector_class(system)
    return None if cls is None else cls(settings, credentials, transport=_transport)


@contextmanager
def using_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Send every connector's calls through `transport` (tests and benchmarks, against fakes)."""
    global _transport  # one process-wide switch, set only around a test
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import missing
from tests.smtp import free_port

from . import homeserver


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[homeserver.Homeserver]:
    """One homeserver for the whole run (it takes seconds to start); tests use their own rooms and users."""
    if not homeserver.PYTHON.exists():
        missing("Synapse", "run `make synapse` (make test does) to install it into .synapse")
    server = homeserver.start(tmp_path_factory.mktemp("synapse"), free_port())
    try:
        yield server
    finally:
        server.stop()

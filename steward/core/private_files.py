"""Files only Steward's own user may read: the development database, the dev key file, ``var/``.

Used from settings (so it imports nothing from Django's app registry). Directories are
created 0700 and files 0600 whatever the process's umask; SQLite gives its ``-wal`` and
``-shm`` files the mode of the database file, so they follow.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create the directory (and missing parents) readable by the owner only.

    An existing directory is left as it is unless ``tighten`` (Steward's own ``var/``).
    """
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:
        created.chmod(0o700)  # mkdir's mode is masked by the umask
    if tighten and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty if it is missing, and make it readable and writable by the owner only."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.stat().st_uid == os.getuid():
        path.chmod(0o600)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write a new file that is never, even for an instant, readable by others."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def configured_keyset(inline: str, file: str, *, what: str, generate: Callable[[], str]) -> str:
    """A keyset given in the environment (`inline`) or kept in a key file. Outside production a
    missing file is created with a new keyset (0600, in a 0700 folder); in production it is an error."""
    if inline:
        return inline
    path = Path(file)
    if not path.exists():
        if settings.PRODUCTION:
            raise RuntimeError(f"The {what} file {path} does not exist")
        private_dir(path.parent, tighten=path.parent == Path(settings.VAR_DIR))
        write_private_text(path, generate())
    return path.read_text()

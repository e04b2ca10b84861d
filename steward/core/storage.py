"""Where encrypted files live: Django storages named in ``settings.STORAGES``.

``evidence`` holds reporters' files, ``held`` the files of report forms sent back for a
correction. Both hold only ciphertext (see `sealed_files`). By default they are folders
under MEDIA_ROOT readable by Steward's user only; in production an S3-compatible object
store (``STEWARD_STORAGE=s3``), so web processes keep nothing on local disk and can run on
several machines (`steward.core.s3_storage`, imported only when configured: boto3 is slow to
import). docs/operator-guide.md, "Evidence storage", lists the settings.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

EVIDENCE, HELD = "evidence", "held"


def get(alias: str) -> Storage:
    return storages[alias]


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder of MEDIA_ROOT (``folder``) whose files only Steward's user may read: 0600 files, 0700 folders.

    The folder follows MEDIA_ROOT when it changes (as in tests)."""

    def __init__(self, folder: str = "", **kwargs: Any) -> None:
        self._folder = folder
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    @cached_property
    def base_location(self) -> str:
        # django-stubs leaves out FileSystemStorage._location, which Django's __init__ sets.
        root = self._value_or_setting(self._location, settings.MEDIA_ROOT)  # type: ignore[attr-defined]
        return os.path.join(root, self._folder) if self._folder else str(root)

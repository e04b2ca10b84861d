"""The S3-compatible object store of ``STEWARD_STORAGE=s3`` (see `steward.core.storage`): a module of
its own so that boto3, slow to import, is loaded only where the setting names this backend."""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.files import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class _Body(File[bytes]):
    """An object's body as S3 sends it, read as it arrives."""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class StreamingS3Storage(S3Storage):
    """django-storages' S3 backend, read and written as streams.

    Its own files download a whole object into a spooled temporary file before the first read, and
    its uploads of unknown length hold 5 MiB parts in memory. Here `open()` reads the response body
    as it arrives, and a file whose length is known beforehand (`sealed_files` tells it) is sent as
    it is encrypted, in one request, so memory holds about one segment and nothing touches the disk.
    Its body is neither hashed for the signature nor checksummed: Tink's AEAD already authenticates
    every segment end to end, and reading the body twice would mean holding it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("file_overwrite", True)  # names are random: no existence check before each write
        kwargs.setdefault("default_acl", None)  # the bucket's own policy: private
        super().__init__(**kwargs)
        made: Config = getattr(self, "client_config")  # noqa: B009  (django-storages' own, from its settings; untyped)
        self.client_config = made.merge(Config(
            s3={"addressing_style": self.addressing_style, "payload_signing_enabled": False},
            request_checksum_calculation="when_required"))

    def _save(self, name: str, content: Any) -> str:
        length = getattr(getattr(content, "file", None), "length", None)
        if length is None:
            return str(super()._save(name, content))
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        params = self._get_write_parameters(key, content)
        self.connection.meta.client.put_object(Bucket=self.bucket_name, Key=key, Body=content.file,
                                               ContentLength=length, **params)
        return str(cleaned)

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if mode != "rb":
            raise ValueError("Encrypted files are written with save() and read with open(name, 'rb')")
        key = self._normalize_name(clean_name(name))
        try:
            body = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(name) from None
            raise
        return _Body(body, name)

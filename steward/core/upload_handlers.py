"""Uploads encrypted while they arrive, so no plaintext of a file reaches the local disk.

Django keeps an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file on the web
server's disk, in clear, until the request ends. Here every file is encrypted on arrival with
Tink's streaming AEAD under a key made for that one file and held only in the request's memory,
into a spooled temporary file: small files stay in memory, larger ones spill ciphertext to disk,
which nothing can open once the request is over and the key is gone. The form reads the file back
through a decrypting stream. Bytes beyond STEWARD_EVIDENCE_MAX_BYTES are counted but not kept:
the upload check refuses such a file by its size before reading it.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Buffer
from typing import Any, BinaryIO, cast

import tink
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from tink import streaming_aead

from .crypto import FILE_KEY_TEMPLATE

_AD = b"steward-upload-in-transit"


class _KeepOpen(io.RawIOBase):
    """The spooled file as the encrypting stream's destination: closing the stream must not close it."""

    def __init__(self, target: Any) -> None:
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        self._target.write(data)
        with memoryview(data) as view:
            return len(view)

    def close(self) -> None:
        pass


class EncryptedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._primitive = tink.new_keyset_handle(FILE_KEY_TEMPLATE).primitive(streaming_aead.StreamingAead)
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed with the upload)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR)
        self._writer = self._primitive.new_encrypting_stream(cast(BinaryIO, _KeepOpen(self._spool)), _AD)
        self._kept = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.STEWARD_EVIDENCE_MAX_BYTES + 1 - self._kept
        if room > 0:
            self._writer.write(raw_data[:room])
            self._kept += min(room, len(raw_data))
        return None  # consumed: no other handler sees the plaintext

    def file_complete(self, file_size: int) -> UploadedFile[bytes]:
        self._writer.close()
        self._spool.seek(0)
        plaintext = self._primitive.new_decrypting_stream(cast(BinaryIO, self._spool), _AD)
        # Reading it decrypts the spooled ciphertext; closing it closes the spooled file.
        return UploadedFile(plaintext, self.file_name, self.content_type, file_size, self.charset, self.content_type_extra)

    def upload_interrupted(self) -> None:
        spool = getattr(self, "_spool", None)
        if spool is not None:
            spool.close()

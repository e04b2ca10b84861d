"""Files encrypted a segment at a time on their way into a storage, and decrypted the same way out.

`write` pulls plaintext from a file object in chunks, Tink's streaming AEAD turns it into
ciphertext segment by segment, and the storage reads that ciphertext as a file, so the
filesystem and S3 backends alike receive a stream and no copy of the whole file is made.
`open_stream` gives a file object that decrypts as it is read; a segment altered, moved, dropped or
bound to other associated data fails with `SealError` when it is reached, and a file cut
short fails at its end. Callers choose the key (`crypto.new_file_key`) and bind the
associated data to the file's row.
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Buffer, Iterable
from typing import BinaryIO, cast

import tink
from django.core.files import File
from django.core.files.storage import Storage
from tink import streaming_aead

from . import crypto
from .crypto import SealError

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class _Collected(io.RawIOBase):
    """Where the encrypting stream puts its ciphertext until the storage reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        self.buffer += data
        with memoryview(data) as view:
            return len(view)

    def close(self) -> None:  # the encrypting stream closes its destination when it is done: keep the buffer
        pass


class EncryptingReader(io.RawIOBase):
    """Reading it gives the ciphertext of ``source``; at most one segment is held in memory."""

    def __init__(self, primitive: streaming_aead.StreamingAead, source: BinaryIO, associated_data: bytes, *,
                 size: int) -> None:
        super().__init__()
        self._source = source
        self._out = _Collected()
        self._encrypting = primitive.new_encrypting_stream(cast(BinaryIO, self._out), associated_data)
        self._done = False
        self._given = 0
        self.length = crypto.file_ciphertext_size(size)  # of the ciphertext, for a storage that needs it first
        self.content_type = "application/octet-stream"  # what an object store is told: never the real type

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Buffer) -> int:
        with memoryview(buffer) as target:
            pending = self._out.buffer
            while len(pending) < len(target) and not self._done:
                chunk = self._source.read(CHUNK)
                if chunk:
                    self._encrypting.write(chunk)  # a BufferedWriter: it takes the whole chunk
                else:
                    self._encrypting.close()  # writes the last segment
                    self._done = True
            count = min(len(target), len(pending))
            target[:count] = pending[:count]
            del pending[:count]
            self._given += count
            if self._given > self.length or (self._done and not pending and self._given != self.length):
                raise ValueError(f"The source gave {'more' if self._given > self.length else 'less'} than its stated size")
            return count


def write(storage: Storage, name: str, primitive: streaming_aead.StreamingAead, source: BinaryIO,
          associated_data: bytes, *, size: int) -> str:
    """Encrypt ``source`` (``size`` bytes) into ``storage`` under ``name``; returns the name stored."""
    reader = EncryptingReader(primitive, source, associated_data, size=size)
    content = File(cast(BinaryIO, reader), name)
    content.size = reader.length
    try:
        stored = storage.save(name, content)
    except BaseException:
        storage.delete(name)  # what a failed write may have left
        raise
    if stored != name:  # a backend that renamed it could not be found again by its row
        storage.delete(stored)
        raise RuntimeError(f"The storage saved {name} as {stored}")
    return stored


class _Decrypting(io.RawIOBase):
    """Tink's decrypting stream, its errors as `SealError`, closing the stored file with it."""

    def __init__(self, stream: BinaryIO, stored: File[bytes], name: str) -> None:
        super().__init__()
        self._stream, self._stored, self._name = stream, stored, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        with memoryview(buffer) as target:
            try:
                data = self._stream.read(len(target))
            except tink.TinkError as error:
                raise SealError(f"The stored file {self._name} did not decrypt: it was altered, cut short or belongs "
                                f"to another row ({error})") from None
            count = len(data or b"")
            target[:count] = data or b""
            return count

    def close(self) -> None:
        if not self.closed:
            try:
                self._stream.close()
            finally:
                self._stored.close()
        super().close()


def open_stream(storage: Storage, name: str, primitive: streaming_aead.StreamingAead, associated_data: bytes) -> BinaryIO:
    """A file object giving the plaintext as it is read (close it; responses close theirs).

    FileNotFoundError when the storage has no such file."""
    stored = storage.open(name, "rb")
    try:
        stream = primitive.new_decrypting_stream(cast(BinaryIO, stored), associated_data)
    except BaseException:
        stored.close()
        raise
    return cast(BinaryIO, io.BufferedReader(_Decrypting(stream, stored, name), buffer_size=CHUNK))


def read_all(storage: Storage, name: str) -> bytes:
    """The stored bytes of a small file written whole (the format before streaming)."""
    with storage.open(name, "rb") as stored:
        return cast(bytes, stored.read())


def discard(storage: Storage, names: Iterable[str]) -> None:
    for name in names:
        storage.delete(name)


def orphans(storage: Storage, known: set[str], *, older_than: datetime.datetime) -> list[str]:
    """Names in the storage's top folder that ``known`` does not hold and that were written before ``older_than``."""
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:  # nothing was ever stored
        return []
    found = []
    for name in names:
        if name in known:
            continue
        try:
            if storage.get_modified_time(name) < older_than:
                found.append(name)
        except FileNotFoundError:  # deleted meanwhile
            continue
    return found

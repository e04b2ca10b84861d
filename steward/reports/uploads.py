"""Evidence uploads: size-limited, type-checked by content, stripped of metadata,
encrypted before they touch the disk."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from steward.core import crypto
from steward.core.models import DataKey

# Detected type -> file name endings that may carry it.
ALLOWED = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "text/plain": {".txt", ".log", ".md", ".eml"},
}
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


@dataclass
class CleanFile:
    name: str
    content_type: str
    data: bytes


def _strip_image_metadata(data: bytes, content_type: str) -> bytes:
    """Copy the pixels into a fresh image: EXIF (GPS position, camera serial), XMP and comments stay behind."""
    fmt = IMAGE_FORMATS[content_type]
    with Image.open(io.BytesIO(data)) as original:
        original.load()
        image = original.convert("RGB") if fmt == "JPEG" and original.mode not in {"RGB", "L", "CMYK"} else original
        clean = Image.new(image.mode, image.size)
        if image.mode == "P":
            clean.putpalette(image.getpalette() or [])
        clean.paste(image)
        out = io.BytesIO()
        clean.save(out, format=fmt)
        return out.getvalue()


def check(upload: UploadedFile) -> CleanFile:
    """Validate one upload by its content, not its name; raise ValidationError naming the file."""
    name = Path(upload.name or "file").name[:200]
    limit = settings.STEWARD_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(_("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)})
    data = upload.read()
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    suffix = Path(name).suffix.lower()
    kind = filetype.guess(data)
    if kind is None:
        content_type = "text/plain"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            content_type = ""
    else:
        content_type = kind.mime
    if content_type not in ALLOWED:
        raise ValidationError(
            _("“%(name)s” is not a type we accept. Send images (PNG, JPEG, GIF, WebP), PDF or plain text.") % {"name": name})
    if suffix not in ALLOWED[content_type]:
        raise ValidationError(_("“%(name)s” does not contain what its name says: its content is %(type)s.") % {
            "name": name, "type": content_type})
    if content_type in IMAGE_FORMATS:
        try:
            data = _strip_image_metadata(data, content_type)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
            raise ValidationError(_("“%(name)s” could not be read as an image.") % {"name": name}) from None
    return CleanFile(name=name, content_type=content_type, data=data)


def evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(key: DataKey, clean: CleanFile) -> str:
    """Encrypt and write; returns the stored name. The caller deletes it if its transaction fails."""
    stored_name = uuid.uuid4().hex
    sealed = crypto.seal_bytes(key, clean.data, field=f"evidence.file:{stored_name}")
    (evidence_dir() / stored_name).write_bytes(sealed)
    return stored_name


def load(key: DataKey, stored_name: str) -> bytes:
    sealed = (evidence_dir() / stored_name).read_bytes()
    return crypto.open_bytes(key, sealed, field=f"evidence.file:{stored_name}")


def discard(stored_names: list[str]) -> None:
    for stored_name in stored_names:
        (evidence_dir() / stored_name).unlink(missing_ok=True)

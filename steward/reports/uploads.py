"""Evidence uploads: size-limited, type-checked by content, stripped of metadata,
encrypted before they touch the disk. PDFs are rewritten without their metadata and refused
when encrypted or when they hold scripts, launch actions or embedded files."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
import pypdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

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
# PDF names that run code, open other programs or carry files inside the PDF: such a file is refused.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/Launch", "/XFA"}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/RichMediaExecute"}
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/RichMedia"}
# Annotations whose author and dates are removed (form fields and links keep theirs: /T names a field there).
PDF_KEEP_ANNOTATION_NAMES = {"/Widget", "/Link"}


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


class UnsafePdf(Exception):
    """The PDF is encrypted or holds scripts, launch actions or embedded files."""


def _pdf_dictionaries(root: PdfObject) -> list[DictionaryObject]:
    """Every dictionary (streams included) reachable from root, each once, however the objects refer to each other."""
    found: list[DictionaryObject] = []
    seen: set[tuple[int, int]] = set()
    pending: list[PdfObject] = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            resolved = item.get_object()
            if resolved is None:
                continue
            item = resolved
        if isinstance(item, DictionaryObject):
            found.append(item)
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return found


def _clean_pdf(data: bytes) -> bytes:
    """Rewrite the PDF from its object tree without document information, XMP metadata, file identifiers,
    earlier revisions or annotation authors; refuse one that could run anything when opened."""
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise UnsafePdf("encrypted")
    for found in _pdf_dictionaries(reader.trailer):
        if PDF_ACTIVE_KEYS.intersection(found.keys()) or found.get("/S") in PDF_ACTIVE_ACTIONS \
                or found.get("/Type") in PDF_ACTIVE_TYPES:
            raise UnsafePdf("active content")
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.metadata = None  # the /Info dictionary: author, title, creator program, dates
    writer._ID = None  # the file identifier would match the copy still on the reporter's computer
    for found in _pdf_dictionaries(writer.root_object):
        for key in ("/Metadata", "/PieceInfo", "/LastModified"):  # XMP packets and application data, on any object
            found.pop(key, None)
        if "/Rect" in found and "/Subtype" in found and found["/Subtype"] not in PDF_KEEP_ANNOTATION_NAMES:
            for key in ("/T", "/M", "/CreationDate", "/NM"):  # a comment's author, dates and id
                found.pop(key, None)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # what was cut off above
    out = io.BytesIO()
    writer.write(out)
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
    elif content_type == "application/pdf":
        try:
            data = _clean_pdf(data)
        except UnsafePdf as error:
            if str(error) == "encrypted":
                raise ValidationError(_("“%(name)s” is protected with a password. Please send a copy without one.")
                                      % {"name": name}) from None
            raise ValidationError(_(
                "“%(name)s” contains scripts, attached files or actions that start other programs, so we cannot accept "
                "it. Please print it to a new PDF or send screenshots instead.") % {"name": name}) from None
        except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            # pypdf raises many kinds of error on damaged files; none of them may reach the reporter as a 500.
            raise ValidationError(_("“%(name)s” could not be read as a PDF.") % {"name": name}) from None
    return CleanFile(name=name, content_type=content_type, data=data)


# Previews: no image with more pixels than this is decoded (intake refuses larger ones anyway);
# the copy shown is scaled to fit this many pixels a side.
PREVIEW_MAX_PIXELS = 40_000_000
PREVIEW_MAX_SIDE = 1600


class NoPreview(Exception):
    """The file cannot be shown as an image preview."""


def preview(data: bytes, content_type: str) -> tuple[bytes, str]:
    """A fresh copy of an evidence image for showing inline: decoded with a pixel limit, its pixels
    re-encoded (JPEG stays JPEG, everything else becomes PNG) with no metadata. Returns (bytes, type)."""
    if content_type not in IMAGE_FORMATS:
        raise NoPreview(content_type)
    try:
        with Image.open(io.BytesIO(data)) as original:
            width, height = original.size
            if width * height > PREVIEW_MAX_PIXELS:
                raise NoPreview("too large")
            original.seek(0)  # the first frame of an animation
            original.draft("RGB", (PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
            jpeg = content_type == "image/jpeg"
            alpha = original.mode in {"RGBA", "LA", "PA"} or "transparency" in original.info
            image = original.convert("RGBA" if alpha and not jpeg else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError, EOFError):
        raise NoPreview("unreadable") from None
    image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only: no EXIF, XMP, ICC or text chunks
    out = io.BytesIO()
    if jpeg:
        clean.save(out, "JPEG", quality=85)
        return out.getvalue(), "image/jpeg"
    clean.save(out, "PNG")
    return out.getvalue(), "image/png"


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

"""Evidence uploads: size-limited, type-checked by content, stripped of metadata,
encrypted before they reach a storage. Images larger than a pixel limit are refused from their
header, before anything is decoded; phone photos (HEIC/HEIF) are converted to JPEG. PDFs are
rewritten without their metadata and without actions that reach out (links to the web or to
other files, forms that send themselves, actions run on opening); they are refused when
encrypted or when they hold scripts, launch actions or embedded files.

`accepted()` states the accepted types and limits in one place, for the form and the errors."""

from __future__ import annotations

import datetime
import io
import math
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageFile, UnidentifiedImageError
from PIL.GifImagePlugin import GifImageFile
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngImageFile
from PIL.WebPImagePlugin import WebPImageFile
from pillow_heif import register_heif_opener
from pillow_heif.as_plugin import HeifImageFile

from steward.core import crypto, sealed_files
from steward.core import storage as file_storage
from steward.core.models import DataKey

if TYPE_CHECKING:
    from pypdf.generic import DictionaryObject, PdfObject

# Only the primary picture of a HEIF file is read: no thumbnails, depth maps or auxiliary images.
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Detected type -> file name endings that may carry it.
ALLOWED = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "image/heic": {".heic", ".heif", ".hif"},
    "image/heif": {".heif", ".heic", ".hif"},
    "application/pdf": {".pdf"},
    "text/plain": {".txt", ".log", ".md", ".eml"},
}
# Each image type's reader: it reads the header (and so the size) first and decodes only on load().
IMAGE_READERS: dict[str, type[ImageFile.ImageFile]] = {
    "image/png": PngImageFile, "image/jpeg": JpegImageFile, "image/gif": GifImageFile, "image/webp": WebPImageFile,
    "image/heic": HeifImageFile, "image/heif": HeifImageFile,
}
# The format an image is stored in: phone photos become JPEG, which every computer opens.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP",
                 "image/heic": "JPEG", "image/heif": "JPEG"}
STORED_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
STORED_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
# HEIF brands (ISO base media files) that the type detection does not name.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# PDF names that run code, open other programs or carry files inside the PDF: such a file is refused.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/Launch", "/XFA"}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/RichMediaExecute"}
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/RichMedia"}
# The only action kept: going to a page of the same document. Every other action is removed from links,
# bookmarks and form fields, and actions that run by themselves (/OpenAction, /AA) are removed altogether.
PDF_KEPT_ACTIONS = {"/GoTo"}
PDF_AUTOMATIC_ACTION_KEYS = ("/OpenAction", "/AA")
# Actions that reach outside the document; none may be left anywhere in a stored PDF.
PDF_OUTWARD_ACTIONS = PDF_ACTIVE_ACTIONS | {"/URI", "/GoToR", "/SubmitForm", "/Thread", "/Sound", "/Movie", "/Rendition"}
# Annotations whose author and dates are removed (form fields and links keep theirs: /T names a field there).
PDF_KEEP_ANNOTATION_NAMES = {"/Widget", "/Link"}


@dataclass(frozen=True)
class Accepted:
    """What the upload fields take, in words a reporter reads."""

    types: str
    max_bytes: int
    max_size: str
    max_files: int
    max_pixels: int
    pixels: str  # e.g. "50 megapixels (for example 8,100 × 6,075 pixels)"

    @property
    def summary(self) -> str:
        return ngettext(
            "You can attach %(files)d file of up to %(size)s: %(types)s. Images can have up to %(pixels)s.",
            "You can attach up to %(files)d files, each up to %(size)s: %(types)s. Images can have up to %(pixels)s.",
            self.max_files) % {"files": self.max_files, "size": self.max_size, "types": self.types, "pixels": self.pixels}


def _pixels_text(limit: int) -> str:
    megapixels: float = round(limit / 1_000_000, 3)
    shown = number_format(int(megapixels) if megapixels.is_integer() else megapixels)
    width = math.isqrt(limit * 4 // 3)  # a 4:3 picture, the shape of most photos
    if width >= 1000:
        width -= width % 100
    height = width * 3 // 4
    return ngettext("%(megapixels)s megapixel (for example %(width)s × %(height)s pixels)",
                    "%(megapixels)s megapixels (for example %(width)s × %(height)s pixels)",
                    max(1, round(megapixels))) % {
        "megapixels": shown, "width": number_format(width, force_grouping=True),
        "height": number_format(height, force_grouping=True)}


def accepted() -> Accepted:
    """The accepted types and limits, from the settings, in the current language."""
    max_bytes, max_pixels = settings.STEWARD_EVIDENCE_MAX_BYTES, settings.STEWARD_EVIDENCE_MAX_PIXELS
    return Accepted(
        types=_("images (PNG, JPEG, GIF, WebP, and HEIC/HEIF phone photos), PDF or plain text"),
        max_bytes=max_bytes, max_size=filesizeformat(max_bytes), max_files=settings.STEWARD_EVIDENCE_MAX_FILES,
        max_pixels=max_pixels, pixels=_pixels_text(max_pixels))


@dataclass
class CleanFile:
    name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)  # shares the bytes: no copy


class ImageTooLarge(Exception):
    """The image has more pixels than STEWARD_EVIDENCE_MAX_PIXELS; size is (width, height) when known."""

    def __init__(self, size: tuple[int, int] | None = None) -> None:
        super().__init__("too many pixels")
        self.size = size


def _clean_image(data: bytes, content_type: str) -> tuple[bytes, str]:
    """Check the size from the header, then copy the pixels into a fresh image: EXIF (GPS position,
    camera serial), XMP and comments stay behind. Returns the new file and its type."""
    fmt = IMAGE_FORMATS[content_type]
    try:
        # The reader is used directly rather than Image.open(), which warns about large images (an error
        # under warnings-as-errors) before the size can be checked here against our own, lower limit.
        with IMAGE_READERS[content_type](io.BytesIO(data)) as original:
            width, height = original.size
            if width * height > settings.STEWARD_EVIDENCE_MAX_PIXELS:
                raise ImageTooLarge((width, height))
            original.load()
            if original.size[0] * original.size[1] > settings.STEWARD_EVIDENCE_MAX_PIXELS:
                raise ImageTooLarge(original.size)  # HEIF: the decoded picture may differ from its header
            image = original.convert("RGB") if fmt == "JPEG" and original.mode not in {"RGB", "L", "CMYK"} else original
            clean = Image.new(image.mode, image.size)
            if image.mode == "P":
                clean.putpalette(image.getpalette() or [])
            clean.paste(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # a frame larger than the header said
        raise ImageTooLarge() from None
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue(), STORED_TYPES[fmt]


def _too_large_message(name: str, size: tuple[int, int] | None) -> str:
    allowed = accepted().pixels
    if size is None:
        return _("“%(name)s” is too large an image. Images can have up to %(allowed)s; please send a smaller copy.") % {
            "name": name, "allowed": allowed}
    return _("“%(name)s” is %(width)s × %(height)s pixels. Images can have up to %(allowed)s; please send a smaller "
             "copy.") % {"name": name, "width": number_format(size[0], force_grouping=True),
                         "height": number_format(size[1], force_grouping=True), "allowed": allowed}


class UnsafePdf(Exception):
    """The PDF is encrypted, or holds scripts, launch actions, embedded files or actions that could not be removed."""


def _pdf_dictionaries(root: PdfObject) -> list[DictionaryObject]:
    """Every dictionary (streams included) reachable from root, each once, however the objects refer to each other."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

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


def _resolved(value: object) -> object:
    from pypdf.generic import IndirectObject

    return value.get_object() if isinstance(value, IndirectObject) else value


def _is_removed_action(value: object) -> bool:
    """An action dictionary of any kind but going to a page of this document."""
    from pypdf.generic import DictionaryObject

    action = _resolved(value)
    return isinstance(action, DictionaryObject) and _resolved(action.get("/S")) not in PDF_KEPT_ACTIONS


def _clean_pdf(data: bytes) -> bytes:
    """Rewrite the PDF from its object tree without document information, XMP metadata, file identifiers,
    earlier revisions, annotation authors or actions other than going to one of its own pages; refuse one
    that could run anything when opened."""
    import pypdf  # imported when a PDF arrives, not at every start-up
    from pypdf.generic import DictionaryObject

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
        for key in PDF_AUTOMATIC_ACTION_KEYS:  # actions run on opening the file, a page or a field
            found.pop(key, None)
        if _is_removed_action(found.get("/A")):  # a link, bookmark or field action
            found.pop("/A")
        if _resolved(found.get("/S")) in PDF_KEPT_ACTIONS:
            found.pop("/Next", None)  # the chain of actions that would follow
        if isinstance(_resolved(found.get("/URI")), DictionaryObject):  # the catalog's base address for relative links
            found.pop("/URI")
        if "/Rect" in found and "/Subtype" in found and cast(object, found["/Subtype"]) not in PDF_KEEP_ANNOTATION_NAMES:
            for key in ("/T", "/M", "/CreationDate", "/NM"):  # a comment's author, dates and id
                found.pop(key, None)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # what was cut off above
    out = io.BytesIO()
    writer.write(out)
    # The file as written, read back: no action that reaches out is left anywhere in it.
    for found in _pdf_dictionaries(pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=False).trailer):
        if _resolved(found.get("/S")) in PDF_OUTWARD_ACTIONS or any(key in found for key in PDF_AUTOMATIC_ACTION_KEYS):
            raise UnsafePdf("action left")
    return out.getvalue()


def _content_type(data: bytes) -> str:
    """The type the content shows, whatever the name says; "" for none we know."""
    kind = filetype.guess(data)
    if kind is not None:
        mime: str = kind.mime
        return mime
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image/heif"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return "text/plain"


def check(upload: UploadedFile[bytes]) -> CleanFile:
    """Validate one upload by its content, not its name; raise ValidationError naming the file."""
    name = Path(upload.name or "file").name[:200]
    limit = settings.STEWARD_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(_("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)})
    data = upload.read()
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    suffix = Path(name).suffix.lower()
    content_type = _content_type(data)
    if content_type not in ALLOWED:
        raise ValidationError(_("“%(name)s” is not a type we accept. Send %(types)s.") % {
            "name": name, "types": accepted().types})
    if suffix not in ALLOWED[content_type]:
        raise ValidationError(_("“%(name)s” does not contain what its name says: its content is %(type)s.") % {
            "name": name, "type": content_type})
    if content_type in IMAGE_READERS:
        try:
            data, stored_type = _clean_image(data, content_type)
        except ImageTooLarge as error:
            raise ValidationError(_too_large_message(name, error.size)) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise ValidationError(_("“%(name)s” could not be read as an image.") % {"name": name}) from None
        if stored_type != content_type:  # a converted phone photo: the name says what it is now
            name = Path(name).stem + STORED_SUFFIXES[stored_type]
        content_type = stored_type
    elif content_type == "application/pdf":
        from pypdf.errors import PyPdfError

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


# Stored files: format 1 (before streaming) is one AES-GCM ciphertext of the whole file under the
# report's data key; format 2 is Tink streaming AEAD under the file's own key, wrapped under the
# report's data key in the row (`file_key_sealed`). A row without a wrapped key is format 1, read
# whole (such files were at most STEWARD_EVIDENCE_MAX_BYTES); `manage.py reencrypt_evidence`
# rewrites them as format 2.
def storage() -> Storage:
    return file_storage.get(file_storage.EVIDENCE)


def _file_ad(stored_name: str, row: uuid.UUID | str) -> bytes:
    return f"steward-evidence:{stored_name}:{row}".encode()


def store(key: DataKey, source: BinaryIO, *, size: int, row: uuid.UUID | str) -> tuple[str, bytes]:
    """Encrypt a file of ``size`` bytes segment by segment into the evidence storage, bound to its evidence
    row (``row``, its row_uuid). Returns the stored name and the file's key wrapped under ``key``, for the row.
    The caller deletes the file if its transaction fails."""
    stored_name = uuid.uuid4().hex
    wrapped, primitive = crypto.new_file_key(key, field="evidence.file_key", row=row)
    sealed_files.write(storage(), stored_name, primitive, source, _file_ad(stored_name, row), size=size)
    return stored_name, wrapped


def open_stored(key: DataKey, stored_name: str, file_key_sealed: bytes | memoryview | None, *,
                row: uuid.UUID | str) -> BinaryIO:
    """The plaintext of a stored file, decrypted as it is read. `crypto.KeyDestroyed` once the report is erased,
    `crypto.SealError` when the file or its key belongs to another row or was altered."""
    if file_key_sealed is None:  # format 1
        sealed = sealed_files.read_all(storage(), stored_name)
        return io.BytesIO(crypto.open_bytes(key, sealed, field=f"evidence.file:{stored_name}"))
    primitive = crypto.file_key(key, file_key_sealed, field="evidence.file_key", row=row)
    return sealed_files.open_stream(storage(), stored_name, primitive, _file_ad(stored_name, row))


def discard(stored_names: list[str]) -> None:
    sealed_files.discard(storage(), stored_names)


def orphans(known: set[str], *, older_than: datetime.datetime) -> list[str]:
    """Stored evidence files written before ``older_than`` whose names ``known`` does not hold."""
    return sealed_files.orphans(storage(), known, older_than=older_than)

"""Pictures in lessons: checked by content, re-encoded without metadata, stored in the default storage.

An upload is refused, with a message naming the file, unless its content is PNG, JPEG, WebP or
GIF (whatever its name says), it is at most MAX_BYTES and each side at most MAX_SIDE pixels (read
from the header, before anything is decoded). The pixels are copied into a fresh image and saved
again, so EXIF (a phone's GPS position, the camera's serial), XMP and comments stay behind.
Lessons name an image `![alt text](image:NAME)`; `urls()` maps the names to Steward's own URLs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, UnidentifiedImageError
from PIL.GifImagePlugin import GifImageFile
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngImageFile
from PIL.WebPImagePlugin import WebPImageFile

from steward.core.access import Actor

from . import learning
from .models import CourseVersion, LessonImage

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Detected type -> its reader (which reads the header, and so the size, before decoding), format, name ending.
READERS: dict[str, tuple[type[ImageFile.ImageFile], str, str]] = {
    "image/png": (PngImageFile, "PNG", ".png"),
    "image/jpeg": (JpegImageFile, "JPEG", ".jpg"),
    "image/webp": (WebPImageFile, "WEBP", ".webp"),
    "image/gif": (GifImageFile, "GIF", ".gif"),
}


@dataclass(frozen=True)
class CleanImage:
    name: str  # the name lessons use after "image:"
    content_type: str
    data: bytes
    width: int
    height: int


def _reencoded(data: bytes, content_type: str, shown: str) -> tuple[bytes, int, int]:
    reader, fmt, _suffix = READERS[content_type]
    try:
        with reader(io.BytesIO(data)) as original:
            width, height = original.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ValidationError(_("“%(name)s” is %(width)d × %(height)d pixels; images may be at most %(max)d "
                                        "pixels on each side.") % {"name": shown, "width": width, "height": height,
                                                                   "max": MAX_SIDE})
            original.load()
            clean = Image.new(original.mode, original.size)
            if original.mode == "P":
                clean.putpalette(original.getpalette() or [])
            clean.paste(original)
            extra = {"transparency": original.info["transparency"]} if "transparency" in original.info else {}
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise ValidationError(_("“%(name)s” could not be read as an image.") % {"name": shown}) from None
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else extra))
    return out.getvalue(), width, height


def clean(upload: UploadedFile[bytes]) -> CleanImage:
    """The upload checked and re-encoded; ValidationError naming the file and the problem otherwise."""
    shown = Path(upload.name or "image").name[:100]
    if upload.size is None or upload.size > MAX_BYTES:
        raise ValidationError(_("“%(name)s” is larger than %(limit)s.") % {"name": shown,
                                                                            "limit": filesizeformat(MAX_BYTES)})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("“%(name)s” is larger than %(limit)s.") % {"name": shown,
                                                                            "limit": filesizeformat(MAX_BYTES)})
    kind = filetype.guess(data) if data else None
    content_type = kind.mime if kind is not None else ""
    if content_type not in READERS:
        raise ValidationError(_("“%(name)s” is not a PNG, JPEG, WebP or GIF image.") % {"name": shown})
    data, width, height = _reencoded(data, content_type, shown)
    stem = slugify(Path(shown).stem)[:80].strip("-_.") or "image"
    return CleanImage(name=stem + READERS[content_type][2], content_type=content_type, data=data, width=width,
                      height=height)


def unused_name(version: CourseVersion, name: str) -> str:
    """`name`, or `name-2`, `name-3`… when the version already has an image of that name."""
    taken = set(version.images.values_list("name", flat=True))
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}{dot}{suffix}", number + 1
    return candidate


def store(version: CourseVersion, image: CleanImage, *, by: Actor) -> LessonImage:
    stored = LessonImage(version=version, name=unused_name(version, image.name), content_type=image.content_type,
                         width=image.width, height=image.height, uploaded_by=by if isinstance(by, User) else None)
    stored.file.save(image.name, ContentFile(image.data), save=False)
    stored.save()
    return stored


def copy_all(base: CourseVersion, draft: CourseVersion) -> None:
    """Give a new draft its own copies of the base version's images, so the published ones never change."""
    for image in base.images.all():
        with image.file.open("rb") as stored:
            data = stored.read()
        copy = LessonImage(version=draft, name=image.name, content_type=image.content_type, width=image.width,
                           height=image.height, uploaded_by=image.uploaded_by, uploaded_at=image.uploaded_at)
        copy.file.save(image.name, ContentFile(data), save=False)
        copy.save()


def names(version: CourseVersion) -> set[str]:
    return set(version.images.values_list("name", flat=True))


def urls(version: CourseVersion) -> dict[str, str]:
    """NAME -> the URL that serves it, for `markup.render(images=...)`."""
    return {name: reverse("learn:image", args=[pk]) for pk, name in version.images.values_list("pk", "name")}


def readable(by: object, image: LessonImage) -> bool:
    """Whoever may take the course sees its published versions' images (authors: `authoring.may_see_image`)."""
    if not isinstance(by, User) or not by.is_authenticated or not by.is_active:
        return False
    return image.version.is_published and learning.may_open(by, image.version.course_id)

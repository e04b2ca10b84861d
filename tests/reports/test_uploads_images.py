"""Image evidence: an image with more pixels than STEWARD_EVIDENCE_MAX_PIXELS is refused from
its header, before it is decoded, with a message saying how big is allowed; phone photos
(HEIC/HEIF) are converted to JPEG without their EXIF, GPS position or XMP."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.test import Client
from PIL import Image, ImageFile
from pillow_heif import register_heif_opener
from pillow_heif.as_plugin import HeifImageFile

from steward.reports import uploads
from steward.reports.models import Evidence

from .helpers import error_texts, report_data, snapshot, upload

pytestmark = pytest.mark.django_db
register_heif_opener()  # the tests encode HEIC photos as a phone would


def submit(*files):
    client = Client()
    return client.post("/report/", {**report_data(client), "evidence": list(files)})


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def black_png(width: int, height: int) -> bytes:
    """A real, complete greyscale PNG written row by row: a huge picture of zeros compresses to almost nothing."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + one byte per pixel
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


def gif_with_oversized_frame(width: int, height: int) -> bytes:
    """A GIF whose header says 10 × 10 pixels while its first frame spans width × height."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b";"


@pytest.fixture
def decoded(monkeypatch):
    """Records every image Pillow decodes (load() is where the pixels are unpacked)."""
    sizes: list[tuple[int, int]] = []

    def recording(original):
        def load(self):
            sizes.append(self.size)
            return original(self)
        return load

    for reader in (ImageFile.ImageFile, HeifImageFile):  # pillow-heif decodes in a load() of its own
        monkeypatch.setattr(reader, "load", recording(reader.load))
    return sizes


def test_a_tiny_file_of_144_megapixels_is_refused_before_it_is_decoded(decoded):
    bomb = black_png(12000, 12000)
    assert len(bomb) < 200_000  # the file reported: 137 KB that would unpack into 144 million pixels
    before = snapshot()

    response = submit(upload("screenshot.png", bomb, "image/png"))

    assert response.status_code == 400
    assert error_texts(response, "evidence") == [
        "“screenshot.png” is 12,000 × 12,000 pixels. Images can have up to 50 megapixels "
        "(for example 8,100 × 6,075 pixels); please send a smaller copy."]
    assert decoded == []
    assert snapshot() == before


def test_the_pixel_limit_is_a_setting_and_an_image_at_the_limit_is_accepted(settings, decoded):
    settings.STEWARD_EVIDENCE_MAX_PIXELS = 10_000

    refused = submit(upload("wide.png", black_png(101, 100), "image/png"))
    accepted = submit(upload("exact.png", black_png(100, 100), "image/png"))

    assert refused.status_code == 400
    assert error_texts(refused, "evidence") == [
        "“wide.png” is 101 × 100 pixels. Images can have up to 0.01 megapixel (for example 115 × 86 pixels); "
        "please send a smaller copy."]
    assert accepted.status_code == 200
    assert set(decoded) == {(100, 100)}  # only the accepted picture was ever decoded
    evidence = Evidence.objects.get()
    with Image.open(io.BytesIO(evidence.read_file())) as image:
        assert image.size == (100, 100)


def test_a_frame_larger_than_the_header_says_is_refused_not_a_crash():
    """Pillow warns about the frame's size while reading it; under warnings-as-errors that warning is raised."""
    response = submit(upload("animation.gif", gif_with_oversized_frame(12000, 12000), "image/gif"))

    assert response.status_code == 400
    assert error_texts(response, "evidence") == [
        "“animation.gif” is too large an image. Images can have up to 50 megapixels "
        "(for example 8,100 × 6,075 pixels); please send a smaller copy."]
    assert not Evidence.objects.exists()


def heic_photo_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 31.5), 3: "E", 4: (4.0, 53.0, 2.25)}  # GPS position
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>CanaryXmpLocation</rdf:Description></rdf:RDF></x:xmpmeta>'
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="HEIF", exif=exif.tobytes(), xmp=xmp, quality=90)
    return out.getvalue()


def test_a_phone_photo_is_converted_to_jpeg_without_its_location():
    photo = heic_photo_with_location()
    assert photo[4:12] == b"ftypheic"
    with Image.open(io.BytesIO(photo)) as original:  # the GPS position really is in the file
        assert original.getexif().get_ifd(0x8825)[2] == (52.0, 22.0, 31.5)

    response = submit(upload("IMG_0420.HEIC", photo, "image/heic"))

    assert response.status_code == 200, response.content.decode()[:3000]
    evidence = Evidence.objects.get()
    assert evidence.name == "IMG_0420.jpg"
    assert evidence.content_type == "image/jpeg"
    stored = evidence.read_file()
    assert evidence.size == len(stored)
    assert b"CanaryPhoneMaker" not in stored
    assert b"CanaryXmpLocation" not in stored
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (64, 48)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(0x8825) == {}
        assert "xmp" not in image.info
        red, green, blue = image.convert("RGB").getpixel((32, 24))
        assert red > 150 and green < 80 and blue < 80  # still the same picture


def test_a_phone_photo_over_the_pixel_limit_is_refused_from_its_header(settings, decoded):
    settings.STEWARD_EVIDENCE_MAX_PIXELS = 3000

    response = submit(upload("IMG_0421.heic", heic_photo_with_location(), "image/heic"))

    assert response.status_code == 400
    assert error_texts(response, "evidence")[0].startswith("“IMG_0421.heic” is 64 × 48 pixels.")
    assert decoded == []


def test_a_phone_photo_within_the_limit_is_decoded_once_read(decoded):
    assert submit(upload("IMG_0423.heic", heic_photo_with_location(), "image/heic")).status_code == 200
    assert (64, 48) in decoded  # the recorder sees pillow-heif's decoding, so the refusal above means something


def test_a_phone_photo_named_as_something_else_is_refused():
    response = submit(upload("IMG_0422.png", heic_photo_with_location(), "image/png"))

    assert response.status_code == 400
    assert error_texts(response, "evidence") == [
        "“IMG_0422.png” does not contain what its name says: its content is image/heic."]


def test_the_accepted_types_and_limits_are_stated_in_one_place(settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 3
    settings.STEWARD_EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    settings.STEWARD_EVIDENCE_MAX_PIXELS = 40_000_000

    stated = uploads.accepted()

    assert (stated.max_files, stated.max_bytes, stated.max_pixels) == (3, 5 * 1024 * 1024, 40_000_000)
    assert stated.summary == (
        "You can attach up to 3 files, each up to 5.0\xa0MB: images (PNG, JPEG, GIF, WebP, and HEIC/HEIF phone photos), "
        "PDF or plain text. Images can have up to 40 megapixels (for example 7,300 × 5,475 pixels).")


def test_a_refused_type_is_told_what_is_accepted():
    response = submit(upload("notes.docx", b"PK\x03\x04" + b"\x00" * 200, "application/octet-stream"))

    assert response.status_code == 400
    assert ("“notes.docx” is not a type we accept. Send images (PNG, JPEG, GIF, WebP, and HEIC/HEIF phone photos), "
            "PDF or plain text.") in error_texts(response, "evidence")

"""PDF evidence: rewritten without document information, XMP metadata or file identifiers;
refused, with a message naming the file, when it is encrypted or could run anything."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from steward.reports.models import Evidence

from .helpers import error_texts, report_data, snapshot, upload

pytestmark = pytest.mark.django_db

XMP = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>CanaryXmpCreator</dc:creator></rdf:Description>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def make_pdf(*, author: str | None = None, xmp: bool = False, open_action_js: bool = False, names_js: bool = False,
             launch: bool = False, embedded: bool = False, annotation_author: str | None = None,
             password: str | None = None, file_id: bytes | None = None) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    if author:
        writer.add_metadata({"/Author": author, "/Title": "CanaryTitle", "/Creator": "CanaryCreatorApp"})
    if xmp:
        stream = DecodedStreamObject()
        stream.set_data(XMP)
        stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
        writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    if open_action_js:
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject("app.alert('hello');")})
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if names_js:  # a document-level script in the /Names tree
        script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject("app.alert('hello');")})
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(script)])})
        writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})
    if launch:
        action = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    if embedded:
        writer.add_attachment("payload.txt", b"hidden")
    if annotation_author:
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([NumberObject(10), NumberObject(10), NumberObject(30), NumberObject(30)]),
            NameObject("/Contents"): TextStringObject("He said it again here"),
            NameObject("/T"): TextStringObject(annotation_author),
        })
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    if file_id:
        writer._ID = ArrayObject([ByteStringObject(file_id), ByteStringObject(file_id)])
    if password:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def submit(name: str, content: bytes):
    client = Client()
    return client.post("/report/", {**report_data(client), "evidence": [upload(name, content, "application/pdf")]})


def stored_pdf() -> bytes:
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    return evidence.read_file()


def test_document_information_is_removed():
    original = make_pdf(author="CanaryAuthor")
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == "CanaryAuthor"

    response = submit("statement.pdf", original)

    assert response.status_code == 200
    clean = stored_pdf()
    assert b"CanaryAuthor" not in clean
    assert b"CanaryTitle" not in clean
    assert b"CanaryCreatorApp" not in clean
    reader = PdfReader(io.BytesIO(clean))
    assert reader.metadata is None
    assert len(reader.pages) == 1  # still the same document


def test_xmp_metadata_is_removed():
    original = make_pdf(xmp=True)
    assert b"CanaryXmpCreator" in original

    assert submit("statement.pdf", original).status_code == 200

    clean = stored_pdf()
    assert b"CanaryXmpCreator" not in clean
    assert PdfReader(io.BytesIO(clean)).xmp_metadata is None


def test_file_identifier_is_not_kept():
    original = make_pdf(file_id=b"CanaryFileIdent!")

    assert submit("statement.pdf", original).status_code == 200

    assert b"CanaryFileIdent!" not in stored_pdf()


def test_comment_author_is_removed_but_the_comment_stays():
    original = make_pdf(annotation_author="CanaryCommenter")

    assert submit("annotated.pdf", original).status_code == 200

    clean = stored_pdf()
    assert b"CanaryCommenter" not in clean
    annotation = PdfReader(io.BytesIO(clean)).pages[0]["/Annots"][0].get_object()
    assert annotation["/Contents"] == "He said it again here"


def test_earlier_revisions_are_not_kept():
    """An incremental update leaves the replaced text in the file; the rewrite keeps only the current revision."""
    first = make_pdf(author="CanaryEarlierRevision")
    writer = PdfWriter(io.BytesIO(first), incremental=True)
    writer.metadata = {"/Author": "Someone"}
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert b"CanaryEarlierRevision" in updated

    assert submit("statement.pdf", updated).status_code == 200

    assert b"CanaryEarlierRevision" not in stored_pdf()


@pytest.mark.parametrize("kind", ["open_action_js", "names_js", "launch", "embedded"])
def test_active_content_is_refused_naming_the_file(kind):
    before = snapshot()

    response = submit("invitation.pdf", make_pdf(**{kind: True}))

    assert response.status_code == 400
    errors = error_texts(response, "evidence")
    assert len(errors) == 1
    assert "“invitation.pdf”" in errors[0]
    assert "scripts, attached files or actions" in errors[0]
    assert snapshot() == before


def test_open_action_javascript_is_refused():
    """The brief's own case: a PDF that runs JavaScript when opened."""
    response = submit("open-me.pdf", make_pdf(open_action_js=True, author="CanaryAuthor"))

    assert response.status_code == 400
    assert Evidence.objects.count() == 0
    assert "“open-me.pdf” contains scripts" in error_texts(response, "evidence")[0]


def test_encrypted_pdf_is_refused():
    response = submit("locked.pdf", make_pdf(password="secret"))

    assert response.status_code == 400
    assert error_texts(response, "evidence") == ["“locked.pdf” is protected with a password. Please send a copy without one."]
    assert Evidence.objects.count() == 0


def test_damaged_pdf_is_refused():
    damaged = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n" + b"\x00\xff" * 40

    response = submit("broken.pdf", damaged)

    assert response.status_code == 400
    assert error_texts(response, "evidence") == ["“broken.pdf” could not be read as a PDF."]


def test_refusal_is_shown_in_the_reporters_language():
    client = Client()
    data = {**report_data(client), "evidence": [upload("invitation.pdf", make_pdf(names_js=True), "application/pdf")]}

    response = client.post("/report/", data, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 400
    message = error_texts(response, "evidence")[0]
    assert "„invitation.pdf“" in message  # German quotation marks
    assert "scripts, attached files" not in message  # translated, not the English text


def test_names_hidden_by_escapes_are_still_found():
    """PDF names may be written with #xx escapes (/J#61vaScript is /JavaScript); the check reads parsed names."""
    disguised = make_pdf(open_action_js=True).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in disguised

    response = submit("disguised.pdf", disguised)

    assert response.status_code == 400
    assert "“disguised.pdf” contains scripts" in error_texts(response, "evidence")[0]

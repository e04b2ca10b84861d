"""Files attached to a report form that comes back for a correction are kept (sealed), listed
on the form with a way to remove them, and filed with the report; limits count them too;
holds nobody comes back for are deleted after a day."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from steward.reports import services, views
from steward.reports.models import Evidence, HeldUpload, Report
from steward.retention.purge import purge_expired

from .helpers import (
    EXE_BYTES,
    held_files,
    listed_files,
    png_upload,
    report_data,
    snapshot,
    stored_files,
    text_upload,
    upload,
)

pytestmark = pytest.mark.django_db
CHAT_LOG = "CANARY-HELD-CHAT: you are not welcome here"


def attached(response) -> list[str]:
    return re.findall(r"Attached: ([^<]+)</span>", response.content.decode())


def remove_box(response, name: str) -> str:
    """The value of the "remove" checkbox listed next to one attached file."""
    page = response.content.decode()
    match = re.search(r'<span id="held-file-(\d+)">Attached: ' + re.escape(name) + "</span>", page)
    assert match, page
    assert f'name="remove_file" value="{match.group(1)}"' in page
    return match.group(1)


def test_two_files_and_one_mistake_are_kept_and_then_filed():
    client = Client()
    data = report_data(client, narrative="")

    first = client.post("/report/", {**data, "evidence": [png_upload("screenshot.png"), text_upload(text=CHAT_LOG)]})

    assert first.status_code == 400
    assert "Please tell us what happened." in first.content.decode()
    assert attached(first) == ["screenshot.png", "chat-log.txt"]
    assert Report.objects.count() == 0
    assert len(held_files()) == 2

    # The reporter corrects the narrative; the browser sends the file input empty.
    second = client.post("/report/", {**data, "narrative": "He posted my home address in the forum.",
                                      "held_file": listed_files(first)})

    assert second.status_code == 200, second.content.decode()[:2000]
    report = Report.objects.get()
    assert sorted(e.name for e in report.evidence.all()) == ["chat-log.txt", "screenshot.png"]
    log = next(e for e in report.evidence.all() if e.name == "chat-log.txt")
    assert log.read_file() == CHAT_LOG.encode()
    assert HeldUpload.objects.count() == 0
    assert held_files() == []
    assert len(stored_files()) == 2


def test_held_files_are_sealed_on_disk_and_in_the_database():
    client = Client()
    client.post("/report/", {**report_data(client, narrative=""), "evidence": text_upload("rude-dm.txt", CHAT_LOG)})

    row = HeldUpload.objects.get()
    assert b"rude-dm" not in bytes(row.name_sealed)
    sealed = (Path(settings.MEDIA_ROOT) / "held" / row.stored_name).read_bytes()
    assert CHAT_LOG.encode() not in sealed
    assert b"CANARY" not in sealed


def test_a_ticked_file_is_removed_and_not_filed():
    client = Client()
    data = report_data(client, narrative="")
    first = client.post("/report/", {**data, "evidence": [png_upload("keep.png"), png_upload("wrong-one.png")]})

    second = client.post("/report/", {**data, "held_file": listed_files(first),
                                      "remove_file": remove_box(first, "wrong-one.png")})

    assert second.status_code == 400
    assert attached(second) == ["keep.png"]
    assert len(held_files()) == 1
    third = client.post("/report/", {**data, "narrative": "He posted my home address.", "held_file": listed_files(second)})
    assert third.status_code == 200
    assert [e.name for e in Evidence.objects.all()] == ["keep.png"]


def test_a_file_ticked_on_the_final_send_is_not_filed():
    client = Client()
    data = report_data(client, narrative="")
    first = client.post("/report/", {**data, "evidence": [png_upload("keep.png"), png_upload("wrong-one.png")]})

    response = client.post("/report/", {**data, "narrative": "It happened twice.", "held_file": listed_files(first),
                                        "remove_file": remove_box(first, "wrong-one.png")})

    assert response.status_code == 200
    assert [e.name for e in Evidence.objects.all()] == ["keep.png"]
    assert held_files() == []


def test_another_form_can_neither_see_nor_remove_held_files():
    client = Client()
    data = report_data(client, narrative="")
    first = client.post("/report/", {**data, "evidence": png_upload("mine.png")})
    other = report_data(Client(), narrative="")

    response = Client().post("/report/", {**other, "remove_file": remove_box(first, "mine.png")})

    assert attached(response) == []
    assert HeldUpload.objects.count() == 1
    assert client.post("/report/", {**data, "narrative": "It happened.",
                                    "held_file": listed_files(first)}).status_code == 200
    assert [e.name for e in Evidence.objects.all()] == ["mine.png"]


def test_a_refused_file_is_named_and_the_good_ones_are_kept():
    client = Client()
    data = report_data(client)

    response = client.post("/report/", {**data, "evidence": [png_upload("good.png"), upload("tool.png", EXE_BYTES)]})

    assert response.status_code == 400
    errors = response.context["form"].errors["evidence"]
    assert any("“tool.png”" in error for error in errors), errors
    assert attached(response) == ["good.png"]
    assert Report.objects.count() == 0


def test_the_file_limit_counts_kept_and_new_files_together(settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 2
    client = Client()
    data = report_data(client, narrative="")
    first = client.post("/report/", {**data, "evidence": [png_upload("one.png"), png_upload("two.png")]})

    response = client.post("/report/", {**data, "narrative": "It happened.", "evidence": png_upload("three.png"),
                                        "held_file": listed_files(first)})

    assert response.status_code == 400
    assert response.context["form"].errors["evidence"] == ["Send at most 2 files in all: 2 are already attached."]
    assert attached(response) == ["one.png", "two.png"]
    assert HeldUpload.objects.count() == 2
    assert Report.objects.count() == 0


def test_a_crash_while_filing_keeps_the_held_files_for_the_retry(monkeypatch):
    client = Client()
    data = report_data(client, narrative="")
    corrected = {**data, "narrative": "It happened.",
                 "held_file": listed_files(client.post("/report/", {**data, "evidence": png_upload("proof.png")}))}
    before = snapshot()
    with monkeypatch.context() as patch:
        patch.setattr(services, "_attach", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("crash")))
        with pytest.raises(RuntimeError):
            client.post("/report/", corrected)
    assert snapshot() == before

    assert client.post("/report/", corrected).status_code == 200
    assert [e.name for e in Evidence.objects.all()] == ["proof.png"]


def test_a_form_gets_only_its_own_held_files_whatever_it_lists():
    client = Client()
    first = client.post("/report/", {**report_data(client, narrative=""), "evidence": png_upload("mine.png")})
    intruder = Client()

    response = intruder.post("/report/", {**report_data(intruder), "held_file": listed_files(first)})

    assert response.status_code == 200
    assert Evidence.objects.count() == 0 and HeldUpload.objects.count() == 1


def test_holds_nobody_comes_back_for_are_deleted_after_a_day():
    client = Client()
    data = report_data(client, narrative="")
    first = client.post("/report/", {**data, "evidence": png_upload("old.png")})
    HeldUpload.objects.update(held_at=timezone.now() - HeldUpload.HOLD_FOR - timedelta(minutes=1))

    # Too old to be filed: the report arrives without it, though the form still lists it.
    response = client.post("/report/", {**data, "narrative": "It happened.", "held_file": listed_files(first)})
    assert response.status_code == 200
    assert Evidence.objects.count() == 0

    purge_expired()
    assert HeldUpload.objects.count() == 0
    assert held_files() == []


def test_the_next_hold_clears_old_ones_too():
    first = Client()
    first.post("/report/", {**report_data(first, narrative=""), "evidence": png_upload("abandoned.png")})
    HeldUpload.objects.update(held_at=timezone.now() - HeldUpload.HOLD_FOR - timedelta(minutes=1))
    second = Client()

    second.post("/report/", {**report_data(second, narrative=""), "evidence": png_upload("fresh.png")})

    assert HeldUpload.objects.count() == 1
    assert len(held_files()) == 1


def test_the_form_states_the_limits_and_types_before_a_file_is_chosen(settings):
    settings.STEWARD_EVIDENCE_MAX_FILES = 3
    settings.STEWARD_EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    page = Client().get("/report/").content.decode()

    help_match = re.search(r'<div class="helptext" id="id_evidence_helptext">\s*([^<]+)</div>', page)
    assert help_match, page[page.index("s-evidence"):][:2000]
    text = help_match.group(1)
    assert "Up to 3 files, each at most 5.0\xa0MB." in text
    for kind in ("PNG", "JPEG", "GIF", "WebP", "HEIC", "PDF", ".txt"):
        assert kind in text
    assert text.count("JPEG") == 1  # each kind named once
    assert page.index("id_evidence_helptext") < page.index('type="file"')
    assert 'aria-describedby="id_evidence_helptext"' in page


def test_a_client_sending_many_forms_full_of_files_is_told_to_attach_them_again(monkeypatch):
    monkeypatch.setattr(views, "HOLDS_PER_HOUR", 1)
    client = Client()
    client.post("/report/", {**report_data(client, narrative=""), "evidence": png_upload("first.png")})
    before = snapshot()

    response = client.post("/report/", {**report_data(client, narrative=""), "evidence": png_upload("second.png")})

    assert response.status_code == 400
    assert attached(response) == []
    assert "We could not keep your files this time. Please choose them again" in response.content.decode()
    assert snapshot() == before

"""The one way models read and write sealed columns: the `crypto.Sealed` descriptor.

It seals on save for the row, opens once per instance and stored value, refuses a value that
belongs to another row, answers an erased row as defined, and leaves no text in the database."""

from __future__ import annotations

import pickle

import pytest
from django.db import connection

from steward.cases import services as cases
from steward.cases.models import Case, Note
from steward.core import crypto
from steward.core.errors import DomainError
from steward.reports.models import Message, Report
from tests.conftest import make_staff


def test_assigning_seals_for_the_row_on_save_and_reads_back(case, triager):
    note = Note(case=case, author=triager)
    note.body = "CANARY-desc-1 the moderators were told"
    assert isinstance(note.body_sealed, crypto.Pending)  # nothing sealed before the row is saved
    assert note.body == "CANARY-desc-1 the moderators were told"  # the writer reads its own value back
    note.save()
    assert isinstance(note.body_sealed, bytes)
    assert note.body == "CANARY-desc-1 the moderators were told"
    stored = Note.objects.values_list("body_sealed", flat=True).get(pk=note.pk)
    # Bound to the case's key, the field name of earlier releases and the row: the format is unchanged.
    assert crypto.unseal(case.data_key, stored, field="case.note", row=note.row_uuid) == note.body
    assert Note.objects.get(pk=note.pk).body == "CANARY-desc-1 the moderators were told"


def test_the_constructor_and_create_take_the_text_by_name(case, triager):
    note = Note.objects.create(case=case, author=triager, body="by name")
    assert Note.objects.get(pk=note.pk).body == "by name"


def test_a_value_is_opened_once_per_instance_and_stored_value(case, triager, monkeypatch):
    note = Note.objects.get(pk=cases.add_note(case, by=triager, body="opened once").pk)
    opened = []
    real = crypto.unseal
    monkeypatch.setattr(crypto, "unseal", lambda *a, **k: opened.append(1) or real(*a, **k))
    assert [note.body, note.body, note.body] == ["opened once"] * 3
    assert len(opened) == 1
    # Another value in the column (a reload from the database) is opened afresh, not served from the cache.
    Note.objects.filter(pk=note.pk).update(body_sealed=crypto.seal(case.data_key, "changed", field="case.note",
                                                                    row=note.row_uuid))
    note.refresh_from_db()
    assert note.body == "changed"
    assert len(opened) == 2


def test_the_cache_of_opened_text_is_not_shown_or_pickled(case, triager):
    note = Note.objects.get(pk=cases.add_note(case, by=triager, body="CANARY-desc-cache").pk)
    assert note.body == "CANARY-desc-cache"
    assert "CANARY" not in repr(vars(note))
    assert b"CANARY-desc-cache" not in pickle.dumps(note)
    assert pickle.loads(pickle.dumps(note)).body == "CANARY-desc-cache"  # noqa: S301  (opened again from the column)


def test_an_empty_value_empties_a_nullable_column_and_reads_as_empty(case, triager):
    cases.set_case_title(case, by=triager, title="Spam in the forum")
    case = Case.objects.get(pk=case.pk)
    assert case.title == "Spam in the forum"
    case.title = ""
    assert case.title_sealed is None and case.title == ""


def test_a_value_from_another_row_refuses_to_open(case, triager):
    first = cases.add_note(case, by=triager, body="CANARY-desc-row first")
    second = cases.add_note(case, by=triager, body="second")
    Note.objects.filter(pk=second.pk).update(body_sealed=Note.objects.values_list("body_sealed", flat=True).get(pk=first.pk))
    with pytest.raises(crypto.SealError, match="another row") as refused:
        _ = Note.objects.get(pk=second.pk).body
    assert "CANARY" not in str(refused.value)


def test_an_erased_row_reads_as_defined_and_takes_no_new_text(case, triager):
    note = cases.add_note(case, by=triager, body="gone with the key")
    cases.set_case_title(case, by=triager, title="Some title")
    crypto.destroy(case.data_key)
    case = Case.objects.select_related("data_key").get(pk=case.pk)
    assert case.title == ""  # the title reads as empty once erased, as before
    with pytest.raises(crypto.KeyDestroyed):
        _ = Note.objects.get(pk=note.pk).body
    with pytest.raises(DomainError, match="was erased"):
        Note(case=case, body="new text")  # a case's rows say so to the user
    report = Report.objects.get(case=case)
    crypto.destroy(report.data_key)
    with pytest.raises(crypto.KeyDestroyed):
        Message(report=Report.objects.get(pk=report.pk), direction="to_reporter", body="x")


def test_the_database_holds_no_plaintext(file_report, triager):
    report, _code = file_report(narrative="CANARY-desc-db the narrative", contact_email="canary-desc@example.org",
                                anonymous=False, contact_name="Canary Desc")
    cases.add_note(report.case, by=triager, body="CANARY-desc-db the note")
    with connection.cursor() as cursor:
        for table in ("reports_report", "cases_note"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            dumped = repr(cursor.fetchall()).lower()
            assert "canary-desc" not in dumped
            assert "canary desc" not in dumped
    assert Report.objects.get(pk=report.pk).narrative == "CANARY-desc-db the narrative"


def test_a_pending_value_keeps_its_text_out_of_reprs(case):
    note = Note(case=case, author=make_staff("writer"), body="CANARY-desc-repr")
    assert "CANARY" not in repr(note.body_sealed)
    assert "CANARY" not in repr(vars(note))

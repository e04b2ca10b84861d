"""A sealed value opens only in the row it was sealed for: a ciphertext copied into a sibling
row under the same data key (another note of the case, another message of the report, another
identity of the registry, another staff member's second factor) fails to open with a clear
error and shows no plaintext. The migrations seal rows written the old way again."""

from __future__ import annotations

import base64
import importlib
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps

from steward.cases import services as cases
from steward.cases.models import Note, TimelineEvent, Triage
from steward.core import crypto, mfa_secrets
from steward.core.models import DataKey
from steward.core.roles import Role
from steward.decisions.models import Decision
from steward.registry import services as registry
from steward.registry.models import Identity
from steward.reports import services as reports
from steward.reports.models import Evidence, Message, Report
from steward.reports.uploads import CleanFile
from tests.cases.helpers import answers, set_status
from tests.conftest import TOTP_SECRET, login, make_staff, totp_code

ROOT = Path(__file__).resolve().parents[2]


def png_upload(name: str) -> CleanFile:
    return CleanFile(name=name, content_type="image/png", data=b"\x89PNG sealed on disk")


def copy_column(model, column: str, source, target) -> None:
    """What an attacker with write access to the database does: move one ciphertext to a sibling row."""
    blob = model.objects.filter(pk=source.pk).values_list(column, flat=True).get()
    model.objects.filter(pk=target.pk).update(**{column: blob})


def refuses(read, *plaintexts: str) -> None:
    with pytest.raises(crypto.SealError) as refused:
        read()
    message = str(refused.value)
    assert "did not open" in message and "another row" in message
    assert not any(text in message for text in plaintexts)


def test_a_note_copied_into_another_note_of_the_case_does_not_open(case, triager):
    first = cases.add_note(case, by=triager, body="CANARY first note: spoke with the moderators")
    second = cases.add_note(case, by=triager, body="Second note")
    copy_column(Note, "body_sealed", first, second)
    refuses(lambda: Note.objects.get(pk=second.pk).body, "CANARY")
    assert Note.objects.get(pk=first.pk).body == "CANARY first note: spoke with the moderators"


def test_the_case_page_does_not_show_a_copied_note(case, triager):
    cases.add_note(case, by=triager, body="CANARY-note-4b1e only in the first note")
    second = cases.add_note(case, by=triager, body="Second note")
    copy_column(Note, "body_sealed", Note.objects.exclude(pk=second.pk).get(), second)
    client = login(make_staff("casey", Role.TRIAGER))
    client.raise_request_exception = False
    response = client.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 500
    assert b"CANARY-note-4b1e" not in response.content


def test_a_message_copied_into_another_message_of_the_report_does_not_open(file_report, triager):
    report, _ = file_report(contact_email="rosa@example.org", anonymous=False, contact_name="Rosa")
    first = reports.message_reporter(report, by=triager, body="CANARY first message to the reporter")
    second = reports.message_reporter(report, by=triager, body="Second message")
    copy_column(Message, "body_sealed", first, second)
    refuses(lambda: Message.objects.get(pk=second.pk).body, "CANARY")
    assert Message.objects.get(pk=first.pk).body == "CANARY first message to the reporter"


def test_an_identity_copied_into_another_identity_does_not_open(db):
    first = Identity.objects.get(person=registry.identify("github", "canary-mallory"))
    second = Identity.objects.get(person=registry.identify("github", "someone-else"))
    assert first.data_key_id == second.data_key_id  # one registry key: siblings
    copy_column(Identity, "handle_sealed", first, second)
    refuses(lambda: Identity.objects.get(pk=second.pk).handle, "canary-mallory")
    assert Identity.objects.get(pk=first.pk).handle == "canary-mallory"


@pytest.mark.parametrize(("model", "column", "read"), [
    (TimelineEvent, "detail_sealed", lambda row: row.detail),
    (Triage, "reason_sealed", lambda row: row.reason),
])
def test_other_case_rows_are_bound_too(case, triager, model, column, read):
    cases.triage_case(case, by=triager, answers=answers(), priority="P3", reason="CANARY first reason")
    cases.triage_case(case, by=triager, answers=answers(), priority="P4", reason="Second reason")
    first, second = model.objects.filter(case=case).exclude(**{f"{column}__isnull": True}).order_by("pk")[:2]
    copy_column(model, column, first, second)
    refuses(lambda: read(model.objects.get(pk=second.pk)), "CANARY")


def test_an_evidence_name_copied_into_another_file_of_the_report_does_not_open(file_report):
    report, _ = file_report(files=[png_upload("CANARY-first.png"), png_upload("second.png")])
    first, second = Evidence.objects.filter(report=report).order_by("pk")
    copy_column(Evidence, "name_sealed", first, second)
    refuses(lambda: Evidence.objects.get(pk=second.pk).name, "CANARY")


def test_a_second_factor_secret_copied_into_another_staff_members_authenticator_does_not_open(db):
    attacker = make_staff("mallory-staff")
    victim = make_staff("victim-staff")
    Authenticator.objects.filter(user=attacker, type="totp").delete()
    TOTP.activate(attacker, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")  # a secret the attacker's own app knows
    copied = Authenticator.objects.get(user=attacker, type="totp").data["secret"]
    Authenticator.objects.filter(user=victim, type="totp").update(data={"secret": copied})
    victims = TOTP(Authenticator.objects.get(user=victim, type="totp"))
    with pytest.raises(crypto.SealError, match="not sealed for the account"):
        victims.validate_code(totp_code("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"))

    # Rewriting the clear account number in the copy does not help: the ciphertext is bound to the row.
    forged = copied.replace(f":{attacker.pk}:totp:", f":{victim.pk}:totp:")
    Authenticator.objects.filter(user=victim, type="totp").update(data={"secret": forged})
    with pytest.raises(crypto.SealError, match="did not open"):
        TOTP(Authenticator.objects.get(user=victim, type="totp")).validate_code(totp_code())
    # The attacker's own authenticator still works.
    assert TOTP(Authenticator.objects.get(user=attacker, type="totp")).validate_code(
        totp_code("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"))


def test_a_secret_written_in_the_clear_into_the_database_is_refused(db):
    victim = make_staff("victim-clear")
    Authenticator.objects.filter(user=victim, type="totp").update(data={"secret": TOTP_SECRET})
    with pytest.raises(crypto.SealError):
        TOTP(Authenticator.objects.get(user=victim, type="totp")).validate_code(totp_code())


def test_a_pending_value_never_reaches_the_database_by_update(case):
    written = Note(case=case, body="CANARY")  # the descriptor holds a pending value until the row is saved
    with pytest.raises(TypeError, match="sealed for its row"):
        Note.objects.filter(case=case).update(body_sealed=written.body_sealed)
    assert "CANARY" not in repr(written.body_sealed)


# --- the migrations -------------------------------------------------------------------------


def migration(app: str, name: str):
    """The migration module by its name (its number changes when branches are merged)."""
    path = next((ROOT / "steward" / app / "migrations").glob(f"*_{name}.py"))
    return importlib.import_module(f"steward.{app}.migrations.{path.stem}")


def old_seal(key: DataKey, text: str, field: str) -> bytes:
    return crypto.seal(key, text, field=field)  # bound to key and field only, as before


def test_the_migrations_seal_rows_written_the_old_way_again(file_report, triager):
    from steward.decisions import services as decisions
    from steward.decisions.models import Outcome

    report, _ = file_report(narrative="CANARY old narrative", files=[png_upload("old.png")])
    case = report.case
    note = cases.add_note(case, by=triager, body="x")
    message = reports.message_reporter(report, by=triager, body="x")
    identity = Identity.objects.get(person=registry.identify("github", "old-handle"))
    set_status(case, "awaiting_decision")
    decision = decisions.record_decision(case, by=make_staff("dm", Role.DECISION_MAKER), outcome=Outcome.NO_VIOLATION,
                                         subject=None, reporter_summary="x", rationale="x", departure_reason="x")
    evidence = Evidence.objects.get(report=report)
    Note.objects.filter(pk=note.pk).update(body_sealed=old_seal(case.data_key, "old note", "case.note"))
    Message.objects.filter(pk=message.pk).update(body_sealed=old_seal(report.data_key, "old message", "message.body"))
    Report.objects.filter(pk=report.pk).update(
        narrative_sealed=old_seal(report.data_key, "old narrative", "report.narrative"))
    Evidence.objects.filter(pk=evidence.pk).update(name_sealed=old_seal(report.data_key, "old.png", "evidence.name"))
    Identity.objects.filter(pk=identity.pk).update(
        handle_sealed=old_seal(identity.data_key, "old-handle", "identity.handle"))
    Decision.objects.filter(pk=decision.pk).update(
        rationale_sealed=old_seal(case.data_key, "old rationale", "case.decision.rationale"))
    with pytest.raises(crypto.SealError):
        Note.objects.get(pk=note.pk).body  # noqa: B018  (old-style values no longer open as they are)
    uuids_before = set(Note.objects.values_list("row_uuid", flat=True))

    for app in ("cases", "reports", "registry", "decisions", "policy"):
        migration(app, "bind_rows").bind_rows(apps, None)

    assert Note.objects.get(pk=note.pk).body == "old note"
    assert Message.objects.get(pk=message.pk).body == "old message"
    assert Report.objects.get(pk=report.pk).narrative == "old narrative"
    assert Evidence.objects.get(pk=evidence.pk).name == "old.png"
    assert Identity.objects.get(pk=identity.pk).handle == "old-handle"
    assert Decision.objects.get(pk=decision.pk).rationale == "old rationale"
    assert set(Note.objects.values_list("row_uuid", flat=True)) == uuids_before  # existing identifiers kept

    # Going back seals them without the row again, as the earlier code reads them.
    migration("cases", "bind_rows").unbind_rows(apps, None)
    raw = Note.objects.values_list("body_sealed", flat=True).get(pk=note.pk)
    assert crypto.unseal(case.data_key, raw, field="case.note") == "old note"


@pytest.mark.django_db(transaction=True)
def test_the_cases_migration_runs_back_and_forth_on_real_tables(file_report, triager):
    """Backwards: no row_uuid column, values sealed the old way; forwards: every row gets its own
    identifier and its values open again."""
    from django.core.management import call_command
    from django.db import connection

    case = file_report()[0].case
    notes = [cases.add_note(case, by=triager, body=f"note {n}") for n in range(3)]
    previous = migration("cases", "bind_rows").Migration.dependencies[0][1]
    try:
        call_command("migrate", "cases", previous, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, body_sealed FROM cases_note ORDER BY id")
            old = {pk: crypto.unseal(case.data_key, bytes(blob), field="case.note") for pk, blob in cursor.fetchall()}
        assert old == {note.pk: f"note {n}" for n, note in enumerate(notes)}
    finally:
        call_command("migrate", verbosity=0)  # forwards again, to the latest state
    assert [Note.objects.get(pk=note.pk).body for note in notes] == ["note 0", "note 1", "note 2"]
    assert len(set(Note.objects.values_list("row_uuid", flat=True))) == 3


def test_the_migration_skips_rows_of_erased_cases(case, triager):
    note = cases.add_note(case, by=triager, body="gone")
    crypto.destroy(case.data_key)
    migration("cases", "bind_rows").bind_rows(apps, None)  # nothing to open, nothing fails
    assert Note.objects.filter(pk=note.pk).exists()


def test_the_migration_binds_second_factor_secrets_sealed_the_old_way_or_in_the_clear(db):
    sealed_old, clear = make_staff("old-sealed"), make_staff("old-clear")
    key = crypto.shared_key(DataKey.Purpose.STAFF_SECRETS)
    old = f"steward-sealed:{key.pk}:{base64.b64encode(crypto.seal(key, TOTP_SECRET, field='mfa.secret')).decode()}"
    Authenticator.objects.filter(user=sealed_old, type="totp").update(data={"secret": old})
    Authenticator.objects.filter(user=clear, type="totp").update(data={"secret": TOTP_SECRET})

    migration("core", "bind_mfa_secrets").bind_secrets(apps, None)

    for user in (sealed_old, clear):
        stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
        assert stored.startswith(f"{mfa_secrets.BOUND}{key.pk}:{user.pk}:totp:")
        assert TOTP_SECRET not in stored
        assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(totp_code())
    migration("core", "bind_mfa_secrets").unbind_secrets(apps, None)
    assert Authenticator.objects.get(user=clear, type="totp").data["secret"].startswith("steward-sealed:")

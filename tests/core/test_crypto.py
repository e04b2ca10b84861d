"""Envelope encryption and keyed hashes."""

from __future__ import annotations

import base64

import pytest
import tink
from django.apps import apps

from steward.core import crypto
from steward.core.models import DataKey
from steward.reports.services import Account


@pytest.fixture
def key(db) -> DataKey:
    return crypto.new_data_key(DataKey.Purpose.CASE)


@pytest.mark.parametrize("text", ["Hello", "", "Línea 1\nلا للتحرش 🙂", "x" * 100_000])
def test_seal_and_unseal_round_trip(key, text):
    blob = crypto.seal(key, text, field="case.note")
    assert isinstance(blob, bytes)
    assert crypto.unseal(key, blob, field="case.note") == text
    # What the database hands back (memoryview for binary columns) opens too.
    assert crypto.unseal(key, memoryview(blob), field="case.note") == text


def test_nothing_sealed_reads_as_empty(key):
    assert crypto.unseal(key, None, field="case.note") == ""
    assert crypto.unseal(key, b"", field="case.note") == ""


def test_ciphertext_hides_the_text_and_is_never_repeated(key):
    first = crypto.seal(key, "the reported person's address", field="case.note")
    second = crypto.seal(key, "the reported person's address", field="case.note")
    assert first != second
    assert b"address" not in first
    assert crypto.seal_bytes(key, b"\x00\x01", field="evidence.file") != b"\x00\x01"
    assert crypto.open_bytes(key, crypto.seal_bytes(key, b"\x00\x01", field="evidence.file"), field="evidence.file") == b"\x00\x01"


def test_a_ciphertext_opens_only_as_the_field_it_was_sealed_for(key):
    blob = crypto.seal(key, "secret note", field="case.note")
    with pytest.raises(tink.TinkError):
        crypto.unseal(key, blob, field="case.timeline")


def test_a_ciphertext_opens_only_with_its_own_data_key(key):
    other = crypto.new_data_key(DataKey.Purpose.CASE)
    blob = crypto.seal(key, "secret note", field="case.note")
    with pytest.raises(tink.TinkError):
        crypto.unseal(other, blob, field="case.note")


def test_a_tampered_ciphertext_fails_to_open(key):
    blob = bytearray(crypto.seal(key, "secret note", field="case.note"))
    blob[-1] ^= 0x01
    with pytest.raises(tink.TinkError):
        crypto.unseal(key, bytes(blob), field="case.note")


def test_a_note_copied_into_another_case_fails_to_open(case, file_report, triager):
    from steward.cases import services
    from steward.cases.models import Note

    other = file_report(narrative="Another report about a different incident.")[0].case
    note = services.add_note(case, by=triager, body="Only for the first case")
    Note.objects.create(case=other, author=triager, body_sealed=note.body_sealed)
    copied = Note.objects.get(case=other)
    with pytest.raises(tink.TinkError):
        _ = copied.body


def test_data_keys_are_stored_wrapped(key):
    stored = DataKey.objects.get(pk=key.pk)
    assert stored.wrapped is not None
    assert stored.kek_key_id == crypto.kek_primary_id()
    assert stored.purpose == DataKey.Purpose.CASE
    # The stored key is not a usable keyset by itself: it needs the key-encryption key.
    assert b"AesGcm" not in bytes(stored.wrapped)


def test_keys_made_together_are_stored_apart_and_open_only_their_own(db, django_assert_num_queries):
    with django_assert_num_queries(1):  # one INSERT for both
        case_key, report_key = crypto.new_data_keys(DataKey.Purpose.CASE, DataKey.Purpose.REPORT)
    assert case_key.pk and report_key.pk and case_key.pk != report_key.pk
    assert bytes(case_key.wrapped) != bytes(report_key.wrapped)
    stored = {key.pk: key for key in DataKey.objects.filter(pk__in=[case_key.pk, report_key.pk])}
    assert stored[case_key.pk].purpose == DataKey.Purpose.CASE
    assert stored[report_key.pk].purpose == DataKey.Purpose.REPORT
    assert stored[report_key.pk].kek_key_id == crypto.kek_primary_id()
    blob = crypto.seal(stored[case_key.pk], "only for the case", field="case.note")
    assert crypto.unseal(case_key, blob, field="case.note") == "only for the case"
    with pytest.raises(crypto.SealError):
        crypto.unseal(stored[report_key.pk], blob, field="case.note")
    crypto.destroy(case_key)  # erasing one leaves the other readable
    assert crypto.unseal(report_key, crypto.seal(report_key, "kept", field="report.narrative"),
                         field="report.narrative") == "kept"


def test_a_destroyed_key_makes_its_content_unreadable(key):
    blob = crypto.seal(key, "to be erased", field="case.note")
    crypto.destroy(key)
    assert key.wrapped is None
    assert key.destroyed_at is not None
    with pytest.raises(crypto.KeyDestroyed):
        crypto.unseal(key, blob, field="case.note")
    reloaded = DataKey.objects.get(pk=key.pk)
    assert reloaded.wrapped is None
    with pytest.raises(crypto.KeyDestroyed):
        crypto.unseal(reloaded, blob, field="case.note")
    with pytest.raises(crypto.KeyDestroyed):
        crypto.seal(reloaded, "new content", field="case.note")


def test_destroying_a_case_key_erases_the_case_text(case, triager):
    from steward.cases import services
    from steward.cases.models import Case

    services.add_note(case, by=triager, body="Erase me")
    crypto.destroy(case.data_key)
    fresh = Case.objects.select_related("data_key").get(pk=case.pk)
    with pytest.raises(crypto.KeyDestroyed):
        _ = fresh.notes.get().body


def test_a_database_dump_shows_no_report_text(file_report, triager):
    from steward.cases import services

    canary = "Canary7x narrative about the incident"
    report, code = file_report(narrative=canary, involved="Canary7x involved", witnesses="Canary7x witness",
                               wishes="Canary7x wishes", location="Canary7x room", anonymous=False,
                               contact_name="Canary7x Name", contact_email="canary7x@example.org",
                               accounts=[Account("github", "canary7x-handle")])
    services.add_note(report.case, by=triager, body="Canary7x note")
    services.add_party(report.case, by=triager, system="matrix", handle="@canary7x:example.org", role="witness")
    dumped = []
    for model in apps.get_models():
        for row in model.objects.values_list():
            for value in row:
                if isinstance(value, memoryview):
                    value = bytes(value)
                dumped.append(value if isinstance(value, bytes) else str(value).encode())
    blob = b"\n".join(dumped).lower()
    assert b"canary7x" not in blob
    assert code.encode().lower() not in blob
    assert report.narrative == canary


def test_keyed_hash_is_stable_and_separates_purposes(db):
    first = crypto.keyed_hash("alice", purpose="identity:github")
    assert first == crypto.keyed_hash("alice", purpose="identity:github")
    assert len(first) == 64
    int(first, 16)
    assert first != crypto.keyed_hash("alice", purpose="identity:gitlab")
    assert first != crypto.keyed_hash("alice", purpose="email")
    assert first != crypto.keyed_hash("alicf", purpose="identity:github")
    assert crypto.keyed_hash("Alice", purpose="x") != crypto.keyed_hash("alice", purpose="x")
    # The purpose and the value cannot be shifted into each other.
    assert crypto.keyed_hash("b", purpose="a") != crypto.keyed_hash("", purpose="ab")


def test_blind_index_ignores_case_and_surrounding_space(db):
    index = crypto.blind_index("Alice@Example.org", purpose="email")
    assert index == crypto.blind_index("  alice@example.ORG ", purpose="email")
    assert index == crypto.keyed_hash("alice@example.org", purpose="email")
    assert index != crypto.blind_index("Alice@Example.org", purpose="identity:github")
    assert index != crypto.blind_index("bob@example.org", purpose="email")


@pytest.fixture
def index_key(settings):
    crypto._index_key.cache_clear()
    yield settings
    crypto._index_key.cache_clear()


def test_keyed_hashes_depend_on_the_index_key(index_key):
    index_key.STEWARD_INDEX_KEY = ""
    development = crypto.keyed_hash("alice", purpose="p")
    crypto._index_key.cache_clear()
    index_key.STEWARD_INDEX_KEY = crypto.new_index_key()
    configured = crypto.keyed_hash("alice", purpose="p")
    assert configured != development
    assert configured == crypto.keyed_hash("alice", purpose="p")


def test_a_short_index_key_is_refused(index_key):
    index_key.STEWARD_INDEX_KEY = base64.b64encode(b"too short").decode()
    with pytest.raises(ValueError, match="at least 32"):
        crypto.keyed_hash("alice", purpose="p")


def test_new_index_key_and_tokens_are_random():
    assert len(base64.b64decode(crypto.new_index_key())) == 32
    assert crypto.new_index_key() != crypto.new_index_key()
    tokens = {crypto.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 32 for t in tokens)

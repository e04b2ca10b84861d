"""Rotating the blind-index key: `rotate_index_key add-key`, `reindex`, `drop-old`.

Look-ups of sealed identifiers (reporters' emails, accounts, subscribers' addresses) keep working
at every step; receipt codes stay on STEWARD_INDEX_KEY, which the rotation leaves alone."""

from __future__ import annotations

import base64
import io

import pytest
from django.core import signing
from django.core.management import CommandError, call_command

from steward.core import crypto
from steward.policy import services as policy
from steward.policy.models import Subscriber
from steward.registry import services as registry
from steward.registry.models import Identity
from steward.reports import services as reports
from steward.reports.models import Report
from steward.retention import export


def rotate(step: str) -> str:
    out = io.StringIO()
    call_command("rotate_index_key", step, stdout=out)
    return out.getvalue().strip()


def stored_indexes() -> list[str]:
    return sorted([*Report.objects.values_list("contact_email_index", flat=True),
                   *Identity.objects.values_list("handle_index", flat=True),
                   *Subscriber.objects.values_list("email_index", flat=True)])


def versions() -> set[int]:
    return {crypto.index_version(index) for index in stored_indexes() if index}


@pytest.fixture
def people(file_report):
    """A named reporter, an account in the registry and a subscriber, indexed under version 1."""
    report, code = file_report(contact_email="Rosa@Example.org", anonymous=False, contact_name="Rosa")
    person = registry.identify("github", "@Mallory")
    subscriber = policy.subscribe("reader@example.org", language="en")
    return report, code, person, subscriber


def lookups_work(report, code, person, subscriber) -> None:
    assert export.find_person("github", "mallory") == person
    assert registry.identify("github", "MALLORY") == person  # found, not created again
    assert registry.find_people("mallory") == [person.pk]
    assert list(Report.objects.filter(contact_email_index__in=crypto.blind_indexes("rosa@example.org", purpose="email"))
                ) == [report]
    assert policy.subscribe("Reader@example.org", language="de") == subscriber
    assert reports.find_report(code) == report
    assert Identity.objects.filter(system="github").count() == 1 and Subscriber.objects.count() == 1


def test_look_ups_work_at_every_step_of_a_rotation(settings, people):
    report = people[0]
    receipt_hash = Report.objects.get(pk=report.pk).receipt_hash
    assert versions() == {1}
    assert all(len(index) == 64 and not index.startswith("v") for index in stored_indexes())  # as before versions

    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    assert crypto.index_key_versions() == [2, 1]
    lookups_work(*people)
    # New values are made under version 2; old and new are found side by side (the middle of a rotation).
    newcomer = registry.identify("gitlab", "newcomer")
    assert Identity.objects.get(person=newcomer).handle_index.startswith("v2:")
    assert versions() == {1, 2}
    lookups_work(*people)
    assert registry.identify("gitlab", "Newcomer") == newcomer

    with pytest.raises(CommandError, match=r"still use an older key.*run `rotate_index_key reindex` first"):
        rotate("drop-old")

    assert "Re-indexed 3 values under index key version 2" in rotate("reindex")
    assert versions() == {2}
    assert all(len(index) == 64 for index in stored_indexes())
    lookups_work(*people)
    assert "Re-indexed 0 values" in rotate("reindex")  # a second run has nothing left to do

    settings.STEWARD_BLIND_INDEX_KEYS = rotate("drop-old")
    assert crypto.index_key_versions() == [2]
    lookups_work(*people)
    assert registry.identify("gitlab", "newcomer") == newcomer
    # The receipt code was never re-hashed and still finds its report.
    assert Report.objects.get(pk=report.pk).receipt_hash == receipt_hash


def test_a_version_1_value_is_not_found_once_its_key_is_dropped(settings, people):
    report = people[0]
    old = report.contact_email_index
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    rotate("reindex")
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("drop-old")
    Report.objects.filter(pk=report.pk).update(contact_email_index=old)
    assert old not in crypto.blind_indexes("rosa@example.org", purpose="email")
    assert not Report.objects.filter(contact_email_index__in=crypto.blind_indexes("rosa@example.org", purpose="email"))


def test_receipt_codes_stay_on_their_own_key(settings, people):
    report, code, *_ = people
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    rotate("reindex")
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("drop-old")
    # STEWARD_INDEX_KEY still hashes receipt codes (nothing could hash them again: the codes are not kept).
    assert report.receipt_hash == crypto.keyed_hash(code.replace("-", ""), purpose="receipt")
    assert reports.find_report(code) == report
    filed, new_code = reports.submit_report(reports.Intake(narrative="Another incident in the chat.",
                                                           reporter_role="affected", submission_token="rotation-2"))
    assert filed.receipt_hash == crypto.keyed_hash(new_code.replace("-", ""), purpose="receipt")
    assert reports.find_report(new_code) == filed


def test_rows_of_erased_cases_lose_their_index(settings, file_report):
    report, _ = file_report(contact_email="gone@example.org", anonymous=False)
    crypto.destroy(report.data_key)  # the address can no longer be read, so it cannot be indexed again
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    assert "1 of them belonged to rows whose data key was destroyed and were cleared" in rotate("reindex")
    assert Report.objects.get(pk=report.pk).contact_email_index == ""
    assert rotate("drop-old").startswith("2:")


def test_a_value_that_does_not_open_is_named_and_keeps_its_index(settings, people, file_report):
    report = people[0]
    other, _ = file_report(contact_email="other@example.org", anonymous=False)
    Report.objects.filter(pk=other.pk).update(  # a ciphertext moved from another row: it will not open
        contact_email_sealed=Report.objects.values_list("contact_email_sealed", flat=True).get(pk=report.pk))
    before = Report.objects.get(pk=other.pk).contact_email_index
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    with pytest.raises(CommandError, match=rf"1 sealed values did not open.*Report {other.pk}"):
        rotate("reindex")
    assert Report.objects.get(pk=other.pk).contact_email_index == before
    assert Report.objects.get(pk=report.pk).contact_email_index.startswith("v2:")  # the others were done
    with pytest.raises(CommandError, match="1 stored indexes still use an older key"):
        rotate("drop-old")


def test_links_sent_to_subscribers_survive_the_rotation(settings, people, client):
    subscriber = people[3]
    link = policy.unsubscribe_token(subscriber)
    # A link of the earlier format names the start of the address's index instead of the row.
    legacy = signing.dumps({"s": subscriber.pk, "i": subscriber.email_index[:16]}, salt=policy.UNSUBSCRIBE_SALT)
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    rotate("reindex")
    assert policy.subscriber_for(link, purpose="unsubscribe") == subscriber
    assert policy.subscriber_for(legacy, purpose="unsubscribe") == subscriber  # its key is still configured
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("drop-old")
    assert policy.subscriber_for(link, purpose="unsubscribe") == subscriber
    assert policy.subscriber_for(legacy, purpose="unsubscribe") is None


# --- bad input -------------------------------------------------------------------------------


def test_adding_a_key_during_a_rotation_is_refused(settings, people):
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    before = stored_indexes()
    with pytest.raises(CommandError, match=r"A rotation is in progress.*reindex.*drop-old"):
        rotate("add-key")
    assert stored_indexes() == before


def test_dropping_the_only_key_is_refused(people):
    with pytest.raises(CommandError, match="Only index key version 1 is configured"):
        rotate("drop-old")


KEY = base64.b64encode(b"k" * 32).decode()


@pytest.mark.parametrize(("value", "problem"), [
    ("2", "version 2 has no key"),
    (f"x:{KEY}", "does not start with a version number"),
    (f"2:{KEY} 2:{KEY}", "lists version 2 twice"),
    (f"1:{KEY}", "version 1 is STEWARD_INDEX_KEY"),
    ("2:not*base64", "version 2 is not valid base64"),
    (f"2:{base64.b64encode(b'short').decode()}", "version 2 must be at least 32 random bytes"),
    ("0:abc", "does not start with a version number"),
])
def test_a_malformed_setting_is_named_and_changes_nothing(settings, people, value, problem):
    before = stored_indexes()
    settings.STEWARD_BLIND_INDEX_KEYS = value
    for step in ("add-key", "reindex", "drop-old", "status"):
        with pytest.raises(CommandError, match=problem):
            rotate(step)
    assert stored_indexes() == before
    assert KEY not in problem


def test_an_unknown_step_is_refused(people):
    with pytest.raises(CommandError, match="invalid choice: 'rewrap'"):
        rotate("rewrap")


def test_status_counts_what_is_left(settings, people):
    assert "Index key versions configured: 1 (current 1)" in rotate("status")
    settings.STEWARD_BLIND_INDEX_KEYS = rotate("add-key")
    status = rotate("status")
    assert "current 2" in status and "Report: 1 stored indexes under an older key" in status
    assert "Identity: 1" in status and "Subscriber: 1" in status
    assert KEY not in status and settings.STEWARD_BLIND_INDEX_KEYS.split()[0] not in status


def test_a_malformed_setting_stops_the_processes_at_start(settings):
    settings.STEWARD_BLIND_INDEX_KEYS = "2"
    assert [(e.id, e.msg) for e in crypto.check_index_keys()] == [
        ("steward.E102", "STEWARD_BLIND_INDEX_KEYS: version 2 has no key")]
    settings.STEWARD_BLIND_INDEX_KEYS = f"2:{KEY} 1"
    assert crypto.check_index_keys() == []

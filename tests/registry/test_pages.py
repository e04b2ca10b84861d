"""The screening, referral and registry pages: what each shows, and bad input refused with nothing changed."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from steward.registry.models import Identity, IdentityChange, Person, PersonName, Referral, Screening, ViolationRecord
from tests.conftest import login


def upload(content: bytes, name: str = "applicants.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_screener_screens_one_person_and_sees_only_the_answer(screener, banned):
    client = login(screener)
    response = client.post("/staff/screening/person/", {"one-purpose": "grant", "one-name": "Dmitri Ivanov",
                                                        "one-emails": "dmitri.ivanov@gmail.com", "one-accounts": ""})
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "Referred" in text and "Dmitri Ivanov" in text
    assert "Permanent ban" not in text and "score" not in text.casefold() and "divanov" not in text


@pytest.mark.parametrize(("data", "problem"), [
    ({"one-purpose": "grant", "one-name": ""}, "This field is required"),
    ({"one-purpose": "award", "one-name": "Ada"}, "Select a valid choice"),
    ({"one-purpose": "grant", "one-name": "Ada", "one-accounts": "github"}, "is not system:handle"),
    ({"one-purpose": "grant", "one-name": "Ada", "one-emails": "nope"}, "is not an email address"),
])
def test_bad_input_on_the_form_is_named_and_screens_nobody(screener, data, problem):
    response = login(screener).post("/staff/screening/person/", data)
    assert response.status_code == 400 and problem in response.content.decode()
    assert not Screening.objects.exists()


def test_a_csv_upload_answers_every_row(screener, banned):
    content = b"name,emails,accounts\nAda Lovelace,ada@example.org,\nDmitri Ivanov,,github:divanov\n"
    client = login(screener)
    response = client.post("/staff/screening/file/", {"csv-purpose": "event", "csv-file": upload(content)})
    assert response.status_code == 302
    exported = client.get(response["Location"] + "answers.csv")
    assert exported["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(exported.content.decode()))) == [
        ["row", "name", "result"], ["1", "Ada Lovelace", "clear"], ["2", "Dmitri Ivanov", "referred"]]


def test_a_50_mb_upload_is_refused_by_its_size(screener):
    big = upload(b"name,emails,accounts\n" + b"A" * (50 * 1024 * 1024))
    response = login(screener).post("/staff/screening/file/", {"csv-purpose": "grant", "csv-file": big})
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    assert not Screening.objects.exists()


def test_a_file_that_is_not_csv_is_refused_on_the_page(screener):
    response = login(screener).post("/staff/screening/file/", {"csv-purpose": "grant",
                                                                "csv-file": upload(b"\x89PNG\r\n\x1a\n\x00\x00", "x.png")})
    assert response.status_code == 400 and "not a CSV file" in response.content.decode()
    assert not Screening.objects.exists()


def test_the_working_group_decides_a_referral_on_its_page(screener, member, banned):
    client = login(screener)
    client.post("/staff/screening/person/", {"one-purpose": "leadership", "one-name": "Dmitri Ivanov",
                                             "one-accounts": "github:dіvanov"})
    referral = Referral.objects.get()
    group = login(member)
    page = group.get(f"/staff/referrals/{referral.pk}/").content.decode()
    assert "Match evidence" in page and "dіvanov" in page and "divanov" in page
    assert "A restricted record, entered by HR or Legal" in page  # not in full outside HR and Legal
    refused = group.post(f"/staff/referrals/{referral.pk}/", {"outcome": "conditions"})
    assert refused.status_code == 400 and Referral.objects.get().outcome == "open"
    assert group.post(f"/staff/referrals/{referral.pk}/", {"outcome": "declined"}).status_code == 302
    answer = client.get(f"/staff/screening/{referral.applicant.screening_id}/").content.decode()
    assert "Declined" in answer and "dіvanov" not in answer.replace("github:dіvanov", "")


def test_the_person_page_links_unlinks_and_names_with_a_reason(member, banned):
    client = login(member)
    person = banned.person
    page = client.get(f"/staff/registry/people/{person.pk}/")
    assert page.status_code == 200 and "Dmitri Ivanov" in page.content.decode()
    assert client.post(f"/staff/registry/people/{person.pk}/accounts/",
                       {"link-system": "gitlab", "link-handle": "divanov", "link-reason": ""}).status_code == 400
    assert not Identity.objects.filter(system="gitlab").exists()
    assert client.post(f"/staff/registry/people/{person.pk}/accounts/", {
        "link-system": "gitlab", "link-handle": "divanov", "link-reason": "Same avatar and commits."}).status_code == 302
    gitlab = Identity.objects.get(system="gitlab")
    assert gitlab.person_id == person.pk
    assert client.post(f"/staff/registry/people/{person.pk}/accounts/{gitlab.pk}/unlink/",
                       {"reason-reason": "A namesake."}).status_code == 302
    assert Identity.objects.get(pk=gitlab.pk).person_id != person.pk
    assert client.post(f"/staff/registry/people/{person.pk}/names/", {
        "name-name": "Дмитрий Иванов", "name-kind": "alias", "name-reason": "In his Cyrillic posts."}).status_code == 302
    assert PersonName.objects.filter(person=person).count() == 2
    changes = list(IdentityChange.objects.filter(person=person).values_list("change", flat=True))
    assert changes == ["linked", "unlinked", "name_added"]
    assert "Same avatar and commits." in client.get(f"/staff/registry/people/{person.pk}/").content.decode()


def test_a_person_without_a_record_has_no_page(member, db):
    from steward.registry import services

    reporter = services.identify("github", "a-reporter")
    assert login(member).get(f"/staff/registry/people/{reporter.pk}/").status_code == 404


def test_the_registry_finds_people_by_account_or_by_name(member, banned):
    client = login(member)
    by_account = client.get("/staff/registry/", {"q": "divanov"}).content.decode()
    by_name = client.get("/staff/registry/", {"q": "Ivanov Dmitri"}).content.decode()
    nobody = client.get("/staff/registry/", {"q": "Grace Hopper"}).content.decode()
    assert f"Person {banned.person_id}" in by_account and f"Person {banned.person_id}" in by_name
    assert "Nobody with a record matches" in nobody


def test_a_suggested_person_is_linked_on_confirmation(member, banned, hr):
    from steward.registry import people

    other = Person.objects.create()
    people.new_identity(other, "discourse", "dima_i")
    people.put_name(other, "Dmitri Ivanov", PersonName.Kind.NAME)
    people.reindex(list(Person.objects.filter(pk=other.pk).prefetch_related(*people.with_details())))
    client = login(member)
    page = client.get(f"/staff/registry/people/{banned.person_id}/").content.decode()
    assert f"Person {other.pk}, score" in page
    assert client.post(f"/staff/registry/people/{banned.person_id}/merge/{other.pk}/",
                       {"reason-reason": "Same person: checked with the forum moderators."}).status_code == 302
    assert Identity.objects.get(system="discourse").person_id == banned.person_id
    stranger = Person.objects.create()
    assert client.post(f"/staff/registry/people/{banned.person_id}/merge/{stranger.pk}/",
                       {"reason-reason": "x"}).status_code == 404


def test_hr_enters_and_imports_records_on_their_pages(hr):
    client = login(hr)
    response = client.post("/staff/registry/records/new/", {
        "name": "Eve Example", "emails": "eve@example.org", "accounts": "matrix:@eve:example.org", "level": "Ban",
        "restricted": "on"})
    assert response.status_code == 302 and ViolationRecord.objects.get().restricted
    bad = b"id,name,aliases,emails,accounts\nR-1,Good,,good@example.org,\nR-2,,,,\n"
    page = client.post("/staff/registry/records/import/", {"file": upload(bad)})
    assert page.status_code == 400 and "Row 2: name" in page.content.decode()
    assert ViolationRecord.objects.count() == 1
    good = b"id,name,aliases,emails,accounts\nR-1,Good,,good@example.org,\n"
    assert client.post("/staff/registry/records/import/", {"file": upload(good)}).status_code == 302
    assert ViolationRecord.objects.count() == 2

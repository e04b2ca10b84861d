"""Screening: the screener learns "clear" or "referred" and, later, the working group's outcome —
never why, nor which record matched. Bad rows are answered row by row; the rest is screened."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from steward.core import access
from steward.core.models import AuditEntry
from steward.registry import screening
from steward.registry.messages import ReferralDecided, ReferralsWaiting
from steward.registry.models import Referral, Result, Screening, ScreeningRow, StaffAccount, ViolationRecord
from steward.registry.people import RegistryError
from tests.conftest import deliver_outbox, queued
from tests.registry.conftest import enter


def screen(by, *applicants, purpose="grant"):
    rows = [screening.Row(n, screening.check_applicant(**applicant)) for n, applicant in enumerate(applicants, 1)]
    return screening.screen(rows, purpose=purpose, channel=Screening.Channel.FORM, by=by)


def results(done, by):
    return [answer.result for answer in screening.answers(done, by=by)]


def test_a_recorded_email_is_referred_and_a_stranger_is_clear(screener, banned):
    done = screen(screener, {"name": "D. Ivanov", "emails": ["Dmitri.Ivanov+grants@googlemail.com"]},
                  {"name": "Ada Lovelace", "emails": ["ada@example.org"]})
    assert results(done, screener) == [Result.REFERRED, Result.CLEAR]
    referral = Referral.objects.get()
    assert referral.outcome == Referral.Outcome.OPEN and list(referral.records.all()) == [banned]
    evidence = json.loads(referral.evidence)
    assert evidence[0]["person"] == banned.person_id and evidence[0]["evidence"][0]["kind"] == "email"
    assert queued(ReferralsWaiting) == [ReferralsWaiting(screening=done.pk)]
    entry = AuditEntry.objects.get(action="registry.screen")
    assert entry.detail["rows"] == 2 and entry.detail["referred"] == 1 and "Ivanov" not in json.dumps(entry.detail)


def test_the_screener_sees_the_answer_and_nothing_about_the_match(screener, banned):
    done = screen(screener, {"name": "Dmitri Ivanov", "accounts": [("github", "DIVANOV")]})
    answer = screening.answers(done, by=screener)[0]
    assert (answer.result, answer.outcome, answer.conditions, answer.problem) == ("referred", "", "", "")
    shown = json.dumps(answer.__dict__)
    assert "Permanent ban" not in shown and "divanov" not in shown.casefold().replace("dmitri ivanov", "")


def test_a_look_alike_handle_is_referred(screener, banned):
    done = screen(screener, {"name": "Someone", "accounts": [("github", "dіvanov")]})  # Cyrillic і
    assert results(done, screener) == [Result.REFERRED]


def test_a_record_that_no_longer_counts_is_not_screened_against(screener, banned):
    ViolationRecord.objects.filter(pk=banned.pk).update(set_aside_at=timezone.now())
    done = screen(screener, {"name": "Dmitri Ivanov", "emails": ["dmitri.ivanov@gmail.com"]})
    assert results(done, screener) == [Result.CLEAR] and not Referral.objects.exists()


def test_someone_else_s_screening_does_not_exist_for_a_screener(screener, banned):
    from tests.conftest import make_staff

    done = screen(screener, {"name": "Ada Lovelace"})
    other = make_staff("otto", "screener")
    with pytest.raises(access.Hidden):
        screening.answers(done, by=other)


def test_only_screeners_screen(member, hr):
    for who in (member, hr):
        with pytest.raises(access.Denied):
            screen(who, {"name": "Ada Lovelace"})
    assert not Screening.objects.exists()


# --- Files ------------------------------------------------------------------------------------


def applicants_file(rows, header="name,emails,accounts,country"):
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def test_one_banned_person_among_fifty_is_the_one_referred(screener, banned):
    rows = [f"Applicant {n:02d},applicant{n}@example.org,," for n in range(49)]
    rows.insert(17, "Dmitri Ivanov,dmitri.ivanov@gmail.com,github:divanov,DE")
    done = screening.screen(screening.rows_from_csv(applicants_file(rows)), purpose="fellowship",
                            channel=Screening.Channel.CSV, by=screener)
    answers = results(done, screener)
    assert answers.count(Result.CLEAR) == 49 and answers[17] == Result.REFERRED and len(answers) == 50


def test_bad_rows_are_answered_row_by_row_and_the_rest_is_screened(screener, banned):
    data = applicants_file(["Ada Lovelace,ada@example.org,,", "dmitri.ivanov@gmail.com", ",,github:someone,",
                            "Grace Hopper,not-an-address,,", "Alan Turing,,myspace:alan,"]) + \
        b"Jos\xe9 Garc\xeda,,,\nDmitri Ivanov,dmitri.ivanov@gmail.com,,\n"
    done = screening.screen(screening.rows_from_csv(data), purpose="event", channel=Screening.Channel.CSV, by=screener)
    answers = screening.answers(done, by=screener)
    assert [answer.result for answer in answers] == ["clear", "invalid", "invalid", "invalid", "invalid", "invalid",
                                                     "referred"]
    problems = [answer.problem for answer in answers]
    assert "1 column" in problems[1] and "name" in problems[2] and "not an email address" in problems[3]
    assert "systems" in problems[4] and "UTF-8" in problems[5]
    assert done.invalid == 5 and done.referred == 1


@pytest.mark.parametrize(("data", "problem"), [
    (b"%PDF-1.7\n\x00\x01binary", "not a CSV file"),
    (b"first,second\n1,2\n", "missing: name, emails, accounts"),
    (b"name,emails,accounts\n", "no data rows"),
])
def test_a_file_that_is_not_an_applicants_csv_is_refused_whole(screener, data, problem):
    with pytest.raises(RegistryError) as refused:
        screening.screen(screening.rows_from_csv(data), purpose="grant", channel=Screening.Channel.CSV, by=screener)
    assert problem in str(refused.value.message)
    assert not Screening.objects.exists()


def test_a_file_over_the_limit_is_refused(screener, settings):
    settings.STEWARD_SCREENING_MAX_BYTES = 1024
    with pytest.raises(RegistryError, match="larger than"):
        screening.rows_from_csv(applicants_file([f"Applicant {n},a{n}@example.org,," for n in range(100)]))


def test_the_export_never_hands_a_spreadsheet_a_formula(screener):
    done = screening.screen(screening.rows_from_csv(applicants_file(
        ['"=HYPERLINK(""http://evil.example"",""click"")",,,', "+SUM(1),,,", "@cmd,,,", "-2+3,,,", "Ada,,,"])),
        purpose="grant", channel=Screening.Channel.CSV, by=screener)
    table = screening.export_rows(screening.answers(done, by=screener))
    names = [row[1] for row in table[1:]]
    assert names == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+SUM(1)", "'@cmd", "'-2+3", "Ada"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


def test_the_command_writes_row_and_result_and_names_bad_rows(screener, banned, tmp_path, capsys):
    path = tmp_path / "applicants.csv"
    path.write_bytes(applicants_file(["Ada Lovelace,ada@example.org,,", ",,,", "Dmitri Ivanov,,github:divanov,"]))
    with pytest.raises(SystemExit) as exited:
        call_command("screen", str(path), "--purpose", "grant")
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert list(csv.reader(io.StringIO(out))) == [["row", "result"], ["1", "clear"], ["3", "referred"]]
    assert err.strip().startswith("row 2: name")
    assert Screening.objects.get().channel == Screening.Channel.COMMAND


# --- The working group ------------------------------------------------------------------------


@pytest.fixture
def referred(screener, banned):
    done = screen(screener, {"name": "Dmitri Ivanov", "emails": ["dmitri.ivanov@gmail.com"], "country": "DE"})
    return Referral.objects.get(applicant__screening=done)


def test_the_working_group_sees_the_evidence_and_the_records(member, referred, banned):
    view = screening.read_referral(referred.pk, by=member)
    assert view.applicant.name == "Dmitri Ivanov" and view.applicant.country == "DE"
    assert [record for record, _full in view.records] == [banned]
    assert view.records == [(banned, False)]  # restricted: not in full to a member outside HR and Legal
    kinds = {item["kind"] for match in view.matches for item in match["evidence"]}
    assert "email" in kinds and all(item["how_label"] for match in view.matches for item in match["evidence"])
    assert AuditEntry.objects.filter(action="registry.referral_view", object_id=str(referred.pk)).exists()


def test_hr_reads_restricted_records_in_full(hr, referred, banned):
    assert screening.read_referral(referred.pk, by=hr).records == [(banned, True)]


def test_declined_is_all_the_screener_sees(member, screener, referred):
    screening.decide_referral(referred.pk, outcome="declined", note="Permanent ban in force.", by=member)
    answer = screening.answers(referred.applicant.screening, by=screener)[0]
    assert (answer.outcome, answer.outcome_label, answer.conditions) == ("declined", "Declined", "")
    assert queued(ReferralDecided) == [ReferralDecided(referral=referred.pk)]
    deliver_outbox()
    sent = {tuple(message.to): message for message in mail.outbox}
    to_screener = sent[(screener.email,)]
    assert "Ivanov" not in to_screener.body and "Permanent" not in to_screener.body
    assert f"/staff/screening/{referred.applicant.screening_id}/" in to_screener.body
    to_group = next(message for to, message in sent.items() if to != (screener.email,))
    assert "Ivanov" not in to_group.body and "/staff/referrals/" in to_group.body


def test_conditions_are_required_for_an_approval_with_conditions_and_shown_to_the_screener(member, screener, referred):
    with pytest.raises(RegistryError) as refused:
        screening.decide_referral(referred.pk, outcome="conditions", by=member)
    assert refused.value.field == "conditions"
    screening.decide_referral(referred.pk, outcome="conditions", conditions="Not as a session chair.", by=member)
    answer = screening.answers(referred.applicant.screening, by=screener)[0]
    assert answer.outcome == "conditions" and answer.conditions == "Not as a session chair."


def test_a_referral_is_decided_once(member, referred):
    screening.decide_referral(referred.pk, outcome="approved", by=member)
    with pytest.raises(RegistryError, match="already decided"):
        screening.decide_referral(referred.pk, outcome="declined", by=member)
    assert Referral.objects.get().outcome == "approved"


def test_screeners_and_others_cannot_read_or_decide_referrals(screener, referred):
    from tests.conftest import make_staff

    for who in (screener, make_staff("dora", "decision_maker")):
        with pytest.raises(access.Denied):
            screening.read_referral(referred.pk, by=who)
        with pytest.raises(access.Denied):
            screening.decide_referral(referred.pk, outcome="approved", by=who)
    assert Referral.objects.get().outcome == "open"


def test_a_member_whose_own_account_is_matched_does_not_see_the_referral(member, referred, banned):
    identity = banned.person.identities.get(system="github")
    StaffAccount.objects.create(user=member, identity=identity)
    with pytest.raises(access.Hidden):
        screening.read_referral(referred.pk, by=member)
    with pytest.raises(access.Hidden):
        screening.decide_referral(referred.pk, outcome="approved", by=member)


def test_applicant_details_are_sealed(screener, banned):
    screen(screener, {"name": "Dmitri Ivanov", "emails": ["dmitri.ivanov@gmail.com"]})
    row = ScreeningRow.objects.get()
    assert b"Ivanov" not in bytes(row.applicant_sealed)
    assert b"gmail" not in bytes(Referral.objects.get().evidence_sealed)


def test_a_new_record_is_screened_against_at_once(screener, hr):
    assert results(screen(screener, {"name": "Eve Example", "emails": ["eve@example.org"]}), screener) == ["clear"]
    enter(hr, name="Eve Example", emails=("eve@example.org",), accounts=())
    assert results(screen(screener, {"name": "Eve Example", "emails": ["eve@example.org"]}), screener) == ["referred"]


# --- a screening of several chunks on PostgreSQL: the next chunk is looked up while this one is scored


def _watching(monkeypatch) -> list[tuple[str, object]]:
    """The threads that look candidates up, each with its own connection."""
    from django.db import connections

    seen: list[tuple[str, object]] = []
    looked_up = screening._looked_up

    def watched(subjects):
        seen.append((threading.current_thread().name, connections["default"]))
        return looked_up(subjects)

    monkeypatch.setattr(screening, "_looked_up", watched)
    return seen


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_next_chunk_is_looked_up_on_another_connection_and_the_findings_are_the_same(monkeypatch, hr):
    from django.db import connection, transaction

    banned = enter(hr, level="Permanent ban")
    enter(hr, name="Olga Kuznetsova", emails=("olga.k@example.org",), accounts=(("gitlab", "okuz"),))
    applicants = [screening.check_applicant(**given) for given in (
        {"name": "Ada Lovelace"}, {"name": "D. Ivanov", "emails": ["dmitri.ivanov+cfp@gmail.com"]},
        {"name": "Grace Hopper"}, {"name": "Olga Kouznetsova"}, {"name": "Someone", "accounts": [("github", "dіvanov")]})]
    monkeypatch.setattr(screening, "CHUNK", 2)
    seen = _watching(monkeypatch)
    ahead = screening.find(applicants)
    assert len(seen) == 3 and all(name.startswith("screening") for name, _connection in seen)
    assert {id(used) for _name, used in seen} == {id(seen[0][1])} and seen[0][1] is not connection
    assert seen[0][1].connection is None  # the look-ahead's connection is closed once done
    with transaction.atomic():  # inside a transaction, one chunk after the other on this connection
        inline = screening.find(applicants)
    assert [name for name, _connection in seen[3:]] == [threading.current_thread().name] * 3
    assert ahead == inline
    assert [finding.referred for finding in ahead] == [False, True, False, True, True]
    assert ahead[1].matches[0][0] == banned.person_id


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_failure_while_scoring_closes_the_look_ahead_connection(monkeypatch, hr):
    enter(hr, level="Permanent ban")
    monkeypatch.setattr(screening, "CHUNK", 1)
    monkeypatch.setattr(screening.matching, "score", lambda *args: (_ for _ in ()).throw(RuntimeError("scoring")))
    seen = _watching(monkeypatch)
    with pytest.raises(RuntimeError, match="scoring"):
        screening.find([screening.check_applicant(name="Dmitri Ivanov")] * 4)
    assert seen and seen[0][1].connection is None

"""`manage.py seed_demo`: the demo organisation `make run` loads on every start."""

from __future__ import annotations

import io
import stat
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from steward.cases.models import Case, Note, Party, Space, TimelineEvent, Triage
from steward.core import audit
from steward.core.models import AuditEntry, OutboxMessage
from steward.core.roles import Role
from steward.decisions import appeals
from steward.decisions.models import Appeal, Ban, Decision
from steward.decisions.services import active_bans
from steward.demo import logins as demo_logins
from steward.demo.stories import DECISIONS, LEARNERS, MESSAGES, STORIES
from steward.reports.models import Message, Report
from steward.retention.purge import keep_until


@pytest.fixture
def var_dir(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    return tmp_path


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loads_a_realistic_queue(var_dir: Any) -> None:
    output = seed()

    assert Space.objects.count() == 10
    assert len(set(Space.objects.values_list("kind", flat=True))) == 7
    assert Case.objects.count() == 60
    assert Report.objects.count() == 60
    assert Counter(Case.objects.values_list("status", flat=True)) == {
        "new": 9, "triaged": 10, "investigating": 11, "awaiting_decision": 7, "decided": 8, "closed": 12, "reopened": 3,
    }
    assert Counter(Case.objects.values_list("priority", flat=True)) == {"P1": 5, "P2": 19, "P3": 22, "P4": 7, None: 7}
    assert Case.objects.filter(merged_into__isnull=False).count() == 6
    assert Case.objects.filter(danger=True).count() == 5
    now = timezone.now()
    assert Case.objects.exclude(status="closed").filter(due_at__lt=now).count() == 7
    assert Counter(Case.objects.values_list("language", flat=True)) == {"en": 36, "es": 7, "de": 6, "fr": 6, "ar": 5}
    # Spread over the past weeks, not all "just now".
    oldest = min(Case.objects.values_list("opened_at", flat=True))
    assert (now - oldest).days >= 40
    assert Report.objects.filter(received_at__lt=now - timezone.timedelta(days=14)).count() > 20
    # The work done on them.
    assert Triage.objects.count() >= 52
    assert Note.objects.count() > 40
    assert Message.objects.filter(direction=Message.Direction.FROM_REPORTER).exists()
    assert Message.objects.filter(direction=Message.Direction.TO_REPORTER).exists()
    assert Party.objects.filter(role=Party.Role.REPORTED).count() >= 60
    assert all(case.decision_summary for case in Case.objects.filter(status="decided"))
    assert not OutboxMessage.objects.exists()  # no emails about invented cases
    # Staff, one Django group per role, with first names.
    for username, role in [("amara", Role.TRIAGER), ("jonas", Role.CASE_HANDLER), ("lucia", Role.CASE_HANDLER),
                           ("priya", Role.DECISION_MAKER), ("sam", Role.ADMINISTRATOR), ("mei", Role.SCREENER),
                           ("tomas", Role.WORKING_GROUP)]:
        user = User.objects.get(username=username)
        assert user.is_staff and user.first_name
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert f"  {username} " in output
    # The sanctions decided are violation records in the registry, so screening finds those people.
    from steward.registry.models import ViolationRecord

    assert ViolationRecord.objects.counting().filter(source="decision").exists()
    # Audited like real work, and the chain holds.
    assert AuditEntry.objects.filter(action="report.submit").count() == 60
    audit.sequence(batch_size=100_000)
    assert audit.verify() == []


@pytest.mark.django_db
def test_every_decided_case_has_its_recorded_decision(var_dir: Any, settings: Any) -> None:
    seed()
    decided = [story for story in STORIES if story.outcome]
    assert len(decided) == 10
    for story in decided:
        case = Case.objects.get(pk=_case_of(story.key))
        decision = Decision.objects.get(case=case)
        expected = DECISIONS[story.outcome]
        assert decision.level_key == expected.level and decision.level.ladder.status == "current"
        assert decision.reporter_summary == case.decision_summary == expected.summary[story.lang]
        assert decision.rationale == expected.rationale
        assert decision.decided_by.username == (story.decider or "priya")
        assert case.opened_at < decision.decided_at < timezone.now()
        if decision.is_ban:  # the ban is on the reported person: the registry and retention see it
            reported = Party.objects.filter(case=case, role=Party.Role.REPORTED).order_by("pk").first()
            assert decision.subject == reported.person
            assert decision in active_bans(reported.person)
    assert not Case.objects.filter(status="decided", decisions__isnull=True).exists()
    levels = Counter(DECISIONS[story.outcome].level for story in decided)
    assert levels["permanent_ban"] == 2
    assert Decision.objects.filter(ban=Ban.PERMANENT).count() == 2
    assert Decision.objects.filter(ban=Ban.TEMPORARY, ends_on__gt=timezone.localdate()).count() == \
        levels["temporary_ban"] > 0
    # Closed after a decision: kept for the decided period, not for the shorter undecided one.
    for story in [s for s in decided if s.status == "closed"]:
        case = Case.objects.get(pk=_case_of(story.key))
        assert keep_until(case) == case.closed_at + timezone.timedelta(days=settings.STEWARD_RETENTION_RESOLVED_DAYS)
    # The timeline says so too, and the audit log records each decision.
    assert TimelineEvent.objects.filter(kind="decided").count() == 10
    assert AuditEntry.objects.filter(action="decision.record").count() == 10


@pytest.mark.django_db
def test_the_demo_shows_the_ladder_an_open_appeal_and_a_ban_ending_next_week(var_dir: Any) -> None:
    seed()
    today = timezone.localdate()
    # Decisions at several levels of the current ladder.
    assert {"warning", "temporary_ban", "permanent_ban"} <= set(Decision.objects.values_list("level_key", flat=True))
    assert len(set(Decision.objects.values_list("level_position", flat=True))) >= 3
    # An open appeal, by a reporter, that a decision maker who took no part can decide.
    [appeal] = Appeal.objects.filter(status=Appeal.Status.OPEN)
    story = next(s for s in STORIES if s.appeal)
    assert appeal.case_id == _case_of(story.key) and appeal.appellant == Appeal.Appellant.REPORTER
    assert appeal.grounds == story.appeal and appeal.decision.case_id == appeal.case_id
    assert appeal.decision.decided_at < appeal.filed_at < timezone.now()
    assert [user.username for user in appeals.deciders(appeal)] == ["priya"]
    # A temporary ban that ends next week, counted from the day the demo was loaded.
    ending = Decision.objects.filter(ban=Ban.TEMPORARY, ends_on__gt=today,
                                     ends_on__lte=today + timezone.timedelta(days=7))
    assert ending.count() == 1 and ending.get().is_active_ban(today)


def _case_of(key: str) -> int:
    """The case a story's report opened (merged reports excepted)."""
    story = next(s for s in STORIES if s.key == key)
    return next(report.case_id for report in Report.objects.all() if report.narrative == story.narrative)


@pytest.mark.django_db
def test_passwords_are_random_private_and_printed_again(var_dir: Any) -> None:
    first = seed()
    logins = var_dir / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    stored = demo_logins.read(logins).passwords
    assert set(stored) == {"amara", "jonas", "lucia", "priya", "sam", "mei", "tomas", "tess"}
    assert len(set(stored.values())) == 8
    for username, password in stored.items():
        assert User.objects.get(username=username).check_password(password)
        assert password in first

    second = seed()

    assert Case.objects.count() == 60 and Space.objects.count() == 10 and User.objects.count() == 8 + len(LEARNERS)
    assert "Loaded demo data" not in second
    for password in stored.values():
        assert password in second


@pytest.mark.django_db
def test_rerun_without_the_logins_file_sets_new_passwords(var_dir: Any) -> None:
    seed()
    (var_dir / "demo-logins.txt").unlink()

    output = seed()

    stored = demo_logins.read(var_dir / "demo-logins.txt").passwords
    assert User.objects.get(username="amara").check_password(stored["amara"])
    assert stored["amara"] in output
    assert Case.objects.count() == 60


@pytest.mark.django_db
def test_leaves_a_database_with_other_cases_alone(var_dir: Any, case: Case) -> None:
    output = seed()

    assert Case.objects.count() == 1
    assert not User.objects.filter(username="amara").exists()
    assert "already holds cases" in output


@pytest.mark.django_db
def test_refused_in_production(var_dir: Any, settings: Any) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        seed()
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_no_report_text_in_the_database(var_dir: Any) -> None:
    seed()
    secrets = [STORIES[0].narrative[:40], next(s for s in STORIES if s.lang == "ar").narrative[:30],
               MESSAGES["de"]["reply_a"][:40], DECISIONS["warning"].summary["en"][:40],
               DECISIONS["permanent_ban"].rationale[:40], STORIES[0].notes[0][:40],
               "kbrandt-dev", "mei.lin@example.net", "general-chat-excerpt"]
    # Readable through the application...
    assert Report.objects.order_by("pk").first().narrative == STORIES[0].narrative
    # ...and nowhere in a dump of every table.
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    blob = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    found += [(table, s) for s in secrets if s.encode() in blob]
    assert found == []


@pytest.mark.django_db
def test_the_logins_file_has_the_console_lines_with_the_real_address(var_dir: Any, settings: Any) -> None:
    settings.STEWARD_BASE_URL = "http://127.0.0.1:9123"
    first = seed()
    kept = (var_dir / "demo-logins.txt").read_text().splitlines()
    assert kept[0] == "Demo staff logins (development only), sign in at http://127.0.0.1:9123/staff/login/"
    assert len(kept) == 1 + 8 + 2  # the heading, one line per staff member, the two reporter receipts
    console = first.splitlines()
    start = console.index(kept[0])
    assert console[start:start + len(kept)] == kept
    assert any(line.startswith("  amara   password ") and line.endswith(
        "Amara Okafor, Triager: http://127.0.0.1:9123/staff/cases/ (the whole queue)") for line in kept)
    assert sum("reporter follow-up at http://127.0.0.1:9123/follow-up/ " in line for line in kept) == 2
    assert "8000" not in "\n".join(kept)

    # A later start on another address changes nothing in the database and shows the new address in both.
    settings.STEWARD_BASE_URL = "http://192.0.2.10:8080"
    before = (Case.objects.count(), AuditEntry.objects.count(), list(User.objects.values_list("password", flat=True)))
    second = seed()
    assert (Case.objects.count(), AuditEntry.objects.count(), list(User.objects.values_list("password", flat=True))) == before
    again = (var_dir / "demo-logins.txt").read_text().splitlines()
    assert again == [line.replace("http://127.0.0.1:9123", "http://192.0.2.10:8080") for line in kept]
    assert "\n".join(again) in second


def test_logins_read_back_what_they_print(tmp_path: Any) -> None:
    logins = demo_logins.Logins(passwords={"amara": "pw-A_1", "sam": "pw-S-2"},
                                receipts={"issue-harassment": ("en", "ABCDE-FGHJK-MNPQR-STVWX-YZ012")})
    path = tmp_path / "logins.txt"
    demo_logins.write(path, logins, "http://[::1]:8000/")
    assert demo_logins.read(path) == logins
    lines = path.read_text().splitlines()
    assert lines == demo_logins.lines(logins, "http://[::1]:8000")
    assert "  jonas   password (not-on-file)" in lines[2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_logins_kept_by_earlier_versions_are_still_read(tmp_path: Any) -> None:
    path = tmp_path / "logins.txt"
    path.write_text("login\tamara\tsecret-1\nreceipt\tikhtibarat\tar\tABCDE-FGHJK-MNPQR-STVWX-YZ012\n")
    assert demo_logins.read(path) == demo_logins.Logins(
        passwords={"amara": "secret-1"}, receipts={"ikhtibarat": ("ar", "ABCDE-FGHJK-MNPQR-STVWX-YZ012")})

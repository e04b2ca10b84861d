"""Load an invented organisation into an empty development database, so there is something to look at.

`make run` calls this after `migrate` on every start. The first time it creates about ten
spaces, five staff members (one per role the demo needs) and sixty cases in every status
and priority. After that it changes nothing and prints the staff logins again.

Every report, triage, assignment, note, message, merge, decision and status change goes
through the same service functions real work uses, acting as the demo staff, so the demo
data is encrypted and audited exactly like real data, and every decided case has its
recorded decision (a ban is a ban for retention and the registry too). The stories
themselves are data, in `steward/demo/stories.py`. Only timestamps are moved into the past
afterwards (received, opened, triaged, closed, due, decided, and the times of timeline
entries, notes and messages), so the queue looks like a few weeks of work; the audit log keeps the real time of seeding, because its
entries are hash-chained.

Staff passwords are random, generated on the first run and written to
`<var>/demo-logins.txt` (mode 600), never to the repository: the same lines the console shows,
with links to the address the server listens on (STEWARD_BASE_URL, derived from STEWARD_ADDR).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from steward.cases import providers, sla
from steward.cases import services as cases
from steward.cases.models import Case, Note, Party, Space, Status, TimelineEvent, Triage
from steward.cases.services import TriageAnswers, propose_priority
from steward.core.models import OutboxMessage
from steward.decisions import services as decisions
from steward.decisions.models import Appeal, Decision
from steward.reports import services as reports
from steward.reports.models import Evidence, Message, Report
from steward.reports.services import CleanFile
from steward.staff.models import Profile
from steward.training.models import Learner

from ... import logins as demo_logins
from ...stories import (
    DECISION_MAKER,
    DECISION_MAKER_NAME,
    DECISIONS,
    GENERIC_NOTES,
    HANDLERS,
    LEARNERS,
    MESSAGES,
    SPACES,
    STAFF,
    STORIES,
    TRAINING_COORDINATOR,
    TRIAGE_REASONS,
    TRIAGER,
    Story,
)

LOGINS_FILE = "demo-logins.txt"
# Reports whose receipt codes are kept, so the reporter's follow-up page can be tried.
FOLLOW_UP_DEMOS = ("issue-harassment", "ikhtibarat")
# Why a demo decision did not wait for a consultation the rules require (only used where one is pending).
DEMO_OVERRIDE = "Security acted on the safety alert the same day; the ban could not wait for a written consultation."
# Notifications about invented cases would only fill the worker's console: seeding drops them
# (the outbox rows its stories queued, and any task).
NO_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@dataclass
class Seeded:
    cases: dict[str, Case] = field(default_factory=dict)
    receipts: dict[str, tuple[str, str]] = field(default_factory=dict)  # story key: (language, code)


class Command(BaseCommand):
    help = "Load demo spaces, staff and cases into an empty development database (does nothing if they exist)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo loads invented cases and staff; it refuses to run when STEWARD_ENV=production.")
        path = Path(settings.VAR_DIR) / LOGINS_FILE
        # Both idempotent, so a demo seeded before training existed gets its courses and people too.
        call_command("install_starter_courses", stdout=self.stdout)
        if User.objects.filter(username__in=STAFF).exists():
            seed_training_people()
            self._show(self._refresh_logins(path), path)
            return
        if Case.objects.exists():
            self.stdout.write("This database already holds cases; demo data is only loaded into an empty one.")
            return
        passwords = {username: secrets.token_urlsafe(12) for username in STAFF}
        with override_settings(TASKS=NO_TASKS), transaction.atomic():
            queued_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            seeded = Seeder(timezone.now()).run(passwords)
            seed_training_people()
            OutboxMessage.objects.filter(pk__gt=queued_before).delete()  # the emails the stories queued
        self._summary()
        self._show(demo_logins.Logins(passwords=passwords, receipts=seeded.receipts), path)

    def _refresh_logins(self, path: Path) -> demo_logins.Logins:
        """The stored logins; a demo user whose password is not on file gets a new one."""
        logins = demo_logins.read(path)
        for user in User.objects.filter(username__in=STAFF).exclude(username__in=list(logins.passwords)):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            logins.passwords[user.username] = password
        return logins

    def _summary(self) -> None:
        all_cases = Case.objects.all()
        statuses = Counter(all_cases.values_list("status", flat=True))
        priorities = Counter(p or "untriaged" for p in all_cases.values_list("priority", flat=True))
        self.stdout.write(f"Loaded demo data: {Space.objects.count()} spaces, {all_cases.count()} cases, "
                          f"{Report.objects.count()} reports, {Decision.objects.count()} decisions.")
        self.stdout.write("  by status:   " + ", ".join(f"{s} {statuses[s]}" for s in Status.values))
        self.stdout.write("  by priority: " + ", ".join(f"{p} {priorities[p]}" for p in sorted(priorities)))

    def _show(self, logins: demo_logins.Logins, path: Path) -> None:
        """Print the logins and keep the very same lines in the file (rewritten: the address may have changed)."""
        demo_logins.write(path, logins, settings.STEWARD_BASE_URL)
        self.stdout.write("")
        for line in demo_logins.lines(logins, settings.STEWARD_BASE_URL):
            self.stdout.write(line)
        self.stdout.write(f"These are kept in {_shown(path)} (readable only by you).")
        self.stdout.write("")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def seed_training_people() -> None:
    """The training coordinator (a demo staff login; see STAFF) and the learners: community-facing
    staff with their profiles, and contributors, some in project leadership roles. Only what is
    missing is created; learners get no password (contributors sign in by an emailed code)."""
    first, last, role = STAFF[TRAINING_COORDINATOR]
    coordinator, created = User.objects.get_or_create(username=TRAINING_COORDINATOR, defaults={
        "email": f"{TRAINING_COORDINATOR}@example.org", "first_name": first, "last_name": last, "is_staff": True})
    if created:
        coordinator.set_unusable_password()  # the logins step gives it a password
        coordinator.save(update_fields=["password"])
        coordinator.groups.add(Group.objects.get_or_create(name=role)[0])
    for person in LEARNERS:
        user, created = User.objects.get_or_create(username=person.username, defaults={
            "email": f"{person.username}@example.org", "first_name": person.first, "last_name": person.last,
            "is_staff": person.kind == Learner.Kind.STAFF})
        if not created:
            continue
        user.set_unusable_password()
        user.save(update_fields=["password"])
        if person.kind == Learner.Kind.STAFF:
            Profile.objects.create(user=user, job_title=person.job_title, team=person.team,
                                   manager=User.objects.filter(username=person.manager).first(),
                                   works_on_code_and_chat="code_and_chat" in person.ways,
                                   works_at_events="events" in person.ways,
                                   writes_for_social_media="social_media" in person.ways)
        Learner.objects.create(user=user, kind=person.kind, language=person.language,
                               team="" if person.kind == Learner.Kind.STAFF else person.team,
                               leadership_role=person.leadership_role)


class Seeder:
    """Tells each story through the services, then moves its timestamps into the past."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(2025)  # noqa: S311  # nosec B311  # spreads demo timestamps; nothing secret
        self.seeded = Seeded()

    def run(self, passwords: dict[str, str]) -> Seeded:
        self.spaces = {key: Space.objects.get_or_create(kind=kind, name=name, defaults={"url": url})[0]
                       for key, (name, kind, url) in SPACES.items()}
        self.staff = {username: self._staff(username, passwords[username]) for username in STAFF}
        self.triager = self.staff[TRIAGER]
        due: dict[str, datetime] = {}
        for story in [s for s in STORIES if s.status != "merged"] + [s for s in STORIES if s.status == "merged"]:
            self._tell(story)
            if story.status not in {"new", "merged", Status.CLOSED}:
                window = sla.window(story.priority)
                shift = window * self.rng.uniform(0.2, 1.5) if story.overdue else -window * self.rng.uniform(0.3, 0.95)
                due[story.key] = self.now - shift
        for key, at in due.items():  # last: merges move the due dates of the cases they join
            Case.objects.filter(pk=self.seeded.cases[key].pk).update(due_at=at)
        return self.seeded

    def _staff(self, username: str, password: str) -> User:
        first, last, role = STAFF[username]
        user = User.objects.create_user(username, f"{username}@example.org", password, first_name=first,
                                        last_name=last, is_staff=True)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    # --- one story ---------------------------------------------------------------------

    def _tell(self, story: Story) -> None:
        opened = self.now - timedelta(days=story.age_days)
        case, report = self._submit(story, opened)
        if story.status == "new":
            return
        handler = self.staff[HANDLERS[story.handler]] if story.handler is not None else None
        actor = handler or self.triager
        texts = MESSAGES[story.lang]
        steps: list[tuple[str, Callable[[], object]]] = [("triage", lambda: self._triage(case, story))]
        if story.retriage:
            priority, reason = story.retriage
            steps.append(("triage", lambda: cases.triage_case(
                case, by=self.triager, answers=self._answers(story, ongoing=True), priority=priority, reason=reason)))
        if story.status == "merged":
            target = self.seeded.cases[story.merge_into]
            steps.append(("merge", lambda: cases.merge_cases(target, [case], by=self.triager)))
            self._run(steps, opened, [case, target])
            return
        if handler is not None:
            steps.append(("assign", lambda: self._assign(case, handler, story)))
        if story.status == Status.CLOSED and not story.outcome:  # closed without a decision: no violation
            steps.append(("message", lambda: reports.message_reporter(report, by=actor, body=texts["no_violation"])))
            steps.append(("close", lambda: cases.move_case(case, by=actor, to=Status.CLOSED, reason=story.close_reason)))
            self._run(steps, opened, [case])
            return
        steps.append(("message", lambda: reports.message_reporter(
            report, by=actor, body=texts["ack"].format(name=actor.first_name))))
        if story.status == Status.TRIAGED:
            self._run(steps, opened, [case])
            return
        if self.rng.random() < 0.75:
            reply = texts[self.rng.choice(["reply_a", "reply_b"])]
            steps.append(("reply", lambda: self._reply(report, reply)))
        steps.append(("move", lambda: cases.move_case(case, by=actor, to=Status.INVESTIGATING)))
        for note in story.notes or self.rng.sample(GENERIC_NOTES[:4], self.rng.choice([1, 2])):
            steps.append(("note", partial(cases.add_note, case, by=actor, body=note)))
        if story.witness:
            system, handle = story.witness
            steps.append(("party", lambda: cases.add_party(case, system=system, handle=handle,
                                                           role=Party.Role.WITNESS, by=actor)))
        if story.status == Status.REOPENED:
            steps.append(("close", lambda: cases.move_case(case, by=actor, to=Status.CLOSED, reason=story.close_reason)))
            steps.append(("move", lambda: cases.move_case(case, by=actor, to=Status.REOPENED, reason=story.reopen_reason)))
            self._run(steps, opened, [case])
            return
        steps.append(("message", lambda: reports.message_reporter(report, by=actor, body=texts["update"])))
        if story.status == Status.INVESTIGATING:
            self._run(steps, opened, [case])
            return
        steps.append(("move", lambda: cases.move_case(case, by=actor, to=Status.AWAITING_DECISION)))
        steps.append(("note", lambda: cases.add_note(
            case, by=actor, body=f"Ready for a decision: summary, history and the reporter's wishes sent to {DECISION_MAKER_NAME}.")))
        if story.status == Status.AWAITING_DECISION:
            self._run(steps, opened, [case])
            return
        decider = self.staff[story.decider or DECISION_MAKER]
        steps.append(("decide", lambda: self._decide(case, story, decider)))
        steps.append(("message", lambda: reports.message_reporter(report, by=actor, body=texts["decided"])))
        if story.appeal:  # the reporter appeals from their follow-up page; no one has decided it yet
            steps.append(("appeal", lambda: providers.appeals().appeal_as_reporter(
                case.pk, report.pk, story.appeal)))
        if story.status == Status.CLOSED:
            steps.append(("close", lambda: cases.move_case(case, by=actor, to=Status.CLOSED, reason=story.close_reason)))
        self._run(steps, opened, [case])

    def _submit(self, story: Story, opened: datetime) -> tuple[Case, Report]:
        since = timezone.now()
        contact_name, contact_email = story.contact or ("", "")
        intake = reports.Intake(
            narrative=story.narrative, reporter_role=story.role, submission_token=secrets.token_urlsafe(16),
            occurred_approx=story.occurred, space=self.spaces[story.space], location=story.location,
            involved=", ".join(handle for _, handle in story.accounts),
            accounts=[reports.Account(system, handle) for system, handle in story.accounts],
            ongoing=story.ongoing, danger_now=story.danger, wishes=story.wishes,
            consent_contact_reported=story.contact is not None, anonymous=story.contact is None,
            contact_name=contact_name, contact_email=contact_email, preferred_language=story.lang,
            channel=story.channel, categories=list(story.categories),
            files=[CleanFile(story.evidence[0], "text/plain", story.evidence[1].encode())] if story.evidence else [],
        )
        report, code = reports.submit_report(intake, recorded_by=None if story.channel == "web" else self.triager)
        case = report.case
        if story.key in FOLLOW_UP_DEMOS:
            self.seeded.receipts[story.key] = (story.lang, code)
        self.seeded.cases[story.key] = case
        Report.objects.filter(pk=report.pk).update(received_at=opened)
        Case.objects.filter(pk=case.pk).update(opened_at=opened, due_at=sla.due(case.priority, start=opened))
        self._stamp([case], since, opened)
        return case, report

    def _answers(self, story: Story, **overrides: object) -> TriageAnswers:
        values: dict[str, Any] = {
            "danger": story.danger or story.priority == "P1", "ongoing": story.ongoing == "yes",
            "staff_or_leader_involved": story.leader, "public": story.space in {"forum", "social", "list", "core", "web"},
            "pattern": False, "legal_exposure": False, "violation": "no" if story.priority == "P4" else "yes",
        }
        values.update(story.answers)
        values.update(overrides)
        return TriageAnswers(**values)

    def _triage(self, case: Case, story: Story) -> Case:
        answers = self._answers(story)
        proposed = propose_priority(answers)
        priority = proposed if story.retriage else story.priority
        if priority is None:
            raise CommandError(f"Demo story {story.key!r} has no priority to triage with.")
        reason = story.reason or ("" if priority == proposed and self.rng.random() < 0.3 else TRIAGE_REASONS[priority])
        return cases.triage_case(case, by=self.triager, answers=answers, priority=priority, reason=reason)

    def _assign(self, case: Case, handler: User, story: Story) -> None:
        cases.assign_case(case, by=self.triager, assignee=handler)
        cases.view_case(case, by=handler, ip="127.0.0.1")
        if story.contact:
            cases.add_party(case, system="email", handle=story.contact[1], role=Party.Role.REPORTER, by=handler)

    def _decide(self, case: Case, story: Story, decider: User) -> Decision:
        decision = DECISIONS[story.outcome]
        level = decisions.current_level(decision.level)
        if level is None:
            raise CommandError(f"The current ladder has no level {decision.level!r} for demo story {story.key!r}.")
        # The decision applies to the case's (first) reported person, who is written to as well.
        reported = Party.objects.filter(case=case, role=Party.Role.REPORTED, person__isnull=False).order_by("pk").first()
        subject = reported.person if reported is not None else None
        ends_on = None
        if decision.ends_in_days:
            ends_on = timezone.localdate() + timedelta(days=decision.ends_in_days)
        elif decision.ban_days:
            arrived = timezone.localdate(self.now - timedelta(days=story.age_days))
            ends_on = max(arrived + timedelta(days=decision.ban_days), timezone.localdate() + timedelta(days=1))
        # The demo has no consultants: where the consultation rules require one (a safety risk needs
        # Security), the decision records why it did not wait, as a decision maker would have to.
        proposed = decisions.recommend_for(case, decisions.reported_people(case), by=decider)
        return decisions.record_decision(case, by=decider, level=level, subject=subject, ends_on=ends_on,
                                         departure_reason=decision.departure if proposed.code != level.key else "",
                                         reporter_summary=decision.summary[story.lang], rationale=decision.rationale,
                                         override_reason=DEMO_OVERRIDE,
                                         message=decisions.MessageInput(decision.behaviour, decision.impact, decision.expected_change))

    def _reply(self, report: Report, body: str) -> None:
        reports.reporter_view(report)
        reports.reporter_reply(report, body=body, files=[])

    # --- time ----------------------------------------------------------------------------

    def _run(self, steps: list[tuple[str, Callable[[], object]]], opened: datetime, touched: list[Case]) -> None:
        """Run the steps in order, each at a time between the report's arrival and now."""
        span = self.now - opened
        # Triage within the acknowledgement promise; the rest spread over the time since.
        first = opened + min(max(timedelta(minutes=20), span * self.rng.uniform(0.03, 0.12)), timedelta(hours=22))
        end = self.now - timedelta(minutes=15)
        times = [first, *sorted(first + (end - first) * self.rng.random() for _ in steps[1:])]
        for (kind, step), at in zip(steps, times, strict=True):
            since = timezone.now()
            step()
            self._stamp(touched, since, at)
            case = touched[0]
            if kind == "triage":
                Case.objects.filter(pk=case.pk).update(triaged_at=at)
            elif kind in {"close", "merge"}:
                Case.objects.filter(pk=case.pk).update(closed_at=at)

    def _stamp(self, touched: list[Case], since: datetime, at: datetime) -> None:
        """Move what the last step wrote (now) to the time it is meant to have happened."""
        ids = [case.pk for case in touched]
        for model in (TimelineEvent, Note, Triage):
            model.objects.filter(case_id__in=ids, at__gte=since).update(at=at)
        Message.objects.filter(report__case_id__in=ids, at__gte=since).update(at=at)
        Message.objects.filter(report__case_id__in=ids, read_at__gte=since).update(read_at=at)
        Evidence.objects.filter(report__case_id__in=ids, uploaded_at__gte=since).update(uploaded_at=at)
        Decision.objects.filter(case_id__in=ids, decided_at__gte=since).update(decided_at=at)
        Appeal.objects.filter(case_id__in=ids, filed_at__gte=since).update(filed_at=at)

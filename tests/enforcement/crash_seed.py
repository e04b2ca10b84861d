"""A 30-action rollout for the worker-crash test: a permanent ban of one Matrix user from 30
rooms, planned against a homeserver at `homeserver`. Imported by the test itself (PostgreSQL) or
by the process that seeds the SQLite file."""

from __future__ import annotations

import json

ROOMS = tuple(f"!room{n}:steward.test" for n in range(30))
USER = "@mallory:steward.test"
TOKEN = "syt_fake_token"


def seed(homeserver: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from steward.cases.models import Party
    from steward.core import crypto
    from steward.decisions.models import Decision
    from steward.enforcement import services
    from steward.enforcement.models import CONNECTOR_KEY_PURPOSE, ConnectorConfig, Rollout
    from steward.reports import services as reports
    from steward.reports.models import Report

    with transaction.atomic():
        config = ConnectorConfig(system="matrix", data_key=crypto.shared_key(CONNECTOR_KEY_PURPOSE), options={
            "homeserver": homeserver, "server_name": "steward.test", "rooms": list(ROOMS), "policy_room": ""})
        config.credentials_text = json.dumps({"access_token": TOKEN})
        config.save()
        report, _ = reports.submit_report(reports.Intake(
            narrative="Threats in the project chat.", reporter_role=Report.ReporterRole.AFFECTED,
            submission_token="crash-seed", accounts=[reports.Account("matrix", USER)]))
        person = Party.objects.get(case=report.case, role=Party.Role.REPORTED).person
        ban = Decision(case=report.case, outcome="level", level_key="permanent_ban", level_name="Permanent ban",
                       ban="permanent", subject=person)
        ban.reporter_summary, ban.rationale = "A permanent ban.", "Threats."
        ban.save()
        services.start_rollout(report.case, because=Rollout.Because.DECISION, subject_id=person.pk, ban="permanent",
                               ends_on=None, starts_on=timezone.localdate(), systems=[], decision=ban)

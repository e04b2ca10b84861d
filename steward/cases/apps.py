from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "steward.cases"
    label = "cases"

    def ready(self) -> None:
        from steward.core import events
        from steward.registry.events import StaffAccountLinked
        from steward.staff.events import StaffOffboarding, StaffRolesChanged

        from . import conflicts, notifications, permissions, staffing, timeline  # noqa: F401  (notifications registers outbox handlers)
        from .models import CaseConflict, ErasureReason, Status

        permissions.register()

        timeline.register_labels("status", Status.choices)
        timeline.register_labels("source", CaseConflict.Source.choices)
        timeline.register_labels("reason", ErasureReason.choices)

        events.subscribe(StaffAccountLinked, conflicts.account_linked)
        events.subscribe(StaffOffboarding, staffing.hand_on_work)
        events.subscribe(StaffRolesChanged, staffing.roles_changed)

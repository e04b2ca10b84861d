from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "steward.cases"
    label = "cases"

    def ready(self) -> None:
        from steward.core import events
        from steward.registry.events import StaffAccountLinked
        from steward.staff.events import StaffOffboarding, StaffRolesChanged

        from . import conflicts, notifications, permissions, staffing, timeline  # noqa: F401  (notifications registers outbox handlers)
        from .models import CaseConflict, Consultation, ErasureReason, Status

        permissions.register()

        timeline.register_labels("status", Status.choices)
        timeline.register_labels("source", CaseConflict.Source.choices)
        timeline.register_labels("reason", ErasureReason.choices)
        timeline.register_labels("consultation_kind", Consultation.Kind.choices)

        events.subscribe(StaffAccountLinked, conflicts.account_linked)
        events.subscribe(StaffOffboarding, staffing.hand_on_work)
        events.subscribe(StaffRolesChanged, staffing.roles_changed)

        from django.db.models.signals import post_delete, post_save

        from . import spaces
        from .models import Space

        post_save.connect(spaces.forget, sender=Space, dispatch_uid="spaces-saved")
        post_delete.connect(spaces.forget, sender=Space, dispatch_uid="spaces-deleted")

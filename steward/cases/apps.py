from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "steward.cases"
    label = "cases"

    def ready(self) -> None:
        from steward.core import events

        from . import conflicts, permissions, staffing

        permissions.register()

        def account_linked(*, account: Any, ip: str | None = None, **_: Any) -> None:
            conflicts.detect_for_staff(account.user, ip=ip)

        events.subscribe("staff.account_linked", account_linked)
        events.subscribe("staff.offboarding", staffing.hand_on_work)
        events.subscribe("staff.roles_changed", staffing.roles_changed)

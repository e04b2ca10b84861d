"""Steward's WSGI application with the audit append switched off: the baseline of the audited
page benchmark (`benchmarks/audit_log.py`). It lives only in benchmarks/, so no setting or
environment variable of the product can turn auditing off."""

from typing import Any

from steward.wsgi import application as steward_application


def _switch_off() -> None:
    # Imported here: the models can load only once steward.wsgi has set Django up.
    from steward.core import audit
    from steward.core.models import AuditEntry

    def not_recorded(*args: Any, **kwargs: Any) -> AuditEntry:
        return AuditEntry()  # callers may keep the entry; nothing is written

    audit.record = not_recorded  # type: ignore[assignment]  # services call it through the module


_switch_off()
application = steward_application

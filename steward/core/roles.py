"""Staff roles. Each is a Django group of the same name; a person may hold several."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TRIAGER = "triager", _("Triager")
    CASE_HANDLER = "case_handler", _("Case handler")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    CONSULTANT_HR = "consultant_hr", _("HR consultant")
    CONSULTANT_LEGAL = "consultant_legal", _("Legal consultant")
    CONSULTANT_SECURITY = "consultant_security", _("Security consultant")
    ENFORCER = "enforcer", _("Enforcer")
    SCREENER = "screener", _("Screener")
    WORKING_GROUP = "working_group", _("Working-group member")
    TRAINER = "trainer", _("Training coordinator")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")

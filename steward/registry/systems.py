"""The community systems a person can hold an account on. Their names are shown to reporters (the
report form asks which accounts were involved), so they are translated into every shipped language."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class System(models.TextChoices):
    """Community systems a person can hold an account on."""

    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    DISCOURSE = "discourse", "Discourse"
    MATRIX = "matrix", "Matrix"
    SLACK = "slack", "Slack"
    BUGZILLA = "bugzilla", "Bugzilla"
    MAILING_LIST = "email", _("Email / mailing list")
    OTHER = "other", _("Other")

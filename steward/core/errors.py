from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request that the domain refuses; the message is safe to show the user."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


class InvalidTransition(DomainError):
    def __init__(self, current: object, target: object) -> None:
        super().__init__(_("A case that is “%(current)s” cannot move to “%(target)s”.") % {"current": current, "target": target})

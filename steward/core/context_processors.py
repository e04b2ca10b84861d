from typing import Any

from django.conf import settings
from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict[str, Any]:
    return {
        "organisation_name": settings.STEWARD_ORGANISATION_NAME,
        "contact_email": settings.STEWARD_CONTACT_EMAIL,
    }

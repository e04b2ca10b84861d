"""Error reports and logs without report content.

Django's exception reporter feeds the administrators' error emails and any error tracker built
on it. Outside DEBUG it would still show every posted value, the names of uploaded files and the
local variables of each frame, which in Steward include narratives, messages and receipt codes.
These classes hide all of them; the exception, its traceback lines and the request path remain.
"""

from __future__ import annotations

import logging
from types import FrameType
from typing import Any

from django.http import HttpRequest
from django.template.base import VariableDoesNotExist
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter


class ContentFreeExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: FrameType) -> Any:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class ContentFreeExceptionReporter(ExceptionReporter):
    def get_traceback_data(self) -> dict[str, Any]:
        data: dict[str, Any] = super().get_traceback_data()
        if self.request is not None and self.filter.is_active(self.request):
            data["request_FILES_items"] = [(name, self.filter.cleansed_substitute) for name in self.request.FILES]
        return data


class NoTemplateContext(logging.Filter):
    """django.template logs, at DEBUG, every variable a template looks up in vain, with the whole
    template context in the exception: receipt codes, form data, case content. Keep the line
    (variable and template names) and drop the exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], VariableDoesNotExist):
            record.exc_info = None
            record.exc_text = None
        return True


class RefusalsOnOneLine(logging.Filter):
    """A refused request (403 from PermissionDenied, 404, 400) is worth one line on the console:
    django.request logs it as a warning with the path, but attaches the exception, whose traceback
    (views, access checks) would follow. Below 500 keep the line and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True

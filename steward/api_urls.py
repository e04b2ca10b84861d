"""Steward's API under /api/: each app's endpoints (its `api.py`) and the OpenAPI 3 schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from steward.cases import api as cases
from steward.registry import api as registry
from steward.reports import api as reports

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("reports/", reports.SubmitReport.as_view(), name="submit_report"),
    path("follow-up/", reports.FollowUp.as_view(), name="follow_up"),
    path("cases/", cases.CaseQueue.as_view(), name="cases"),
    path("cases/<int:case_id>/", cases.CaseDetail.as_view(), name="case"),
    path("screenings/", registry.Screen.as_view(), name="screen"),
    path("screenings/<int:screening_id>/", registry.ScreeningDetail.as_view(), name="screening"),
]

from django.urls import URLPattern, path

from . import dashboard_views

urlpatterns: list[URLPattern] = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("completions.csv", dashboard_views.dashboard_export, name="dashboard_export"),
    path("courses/<int:course_id>/survey/comments/", dashboard_views.survey_comments, name="survey_comments"),
    path("completions/<int:completion_id>/certificate.pdf", dashboard_views.certificate, name="certificate"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up/case/", views.follow_up_case, name="follow_up_case"),
    path("follow-up/leave/", views.follow_up_leave, name="follow_up_leave"),
    path("follow-up/appeal/", views.follow_up_appeal, name="follow_up_appeal"),
    path("follow-up/feedback/", views.follow_up_feedback, name="follow_up_feedback"),
    path("staff/reports/new/", views.staff_record, name="staff_record"),
    path("staff/reports/<int:report_id>/message/", views.staff_message, name="staff_message"),
    path("staff/evidence/<int:evidence_id>/", views.staff_evidence, name="staff_evidence"),
    path("staff/evidence/<int:evidence_id>/preview/", views.staff_evidence_preview, name="staff_evidence_preview"),
]

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/triage/", views.triage, name="triage"),
    path("<int:case_id>/assign/", views.assign, name="assign"),
    path("<int:case_id>/status/", views.transition, name="transition"),
    path("<int:case_id>/notes/", views.note, name="note"),
    path("<int:case_id>/title/", views.title, name="title"),
    path("<int:case_id>/parties/", views.party, name="party"),
    path("<int:case_id>/merge/", views.merge, name="merge"),
    path("<int:case_id>/split/", views.split, name="split"),
    path("<int:case_id>/conflict/", views.declare_conflict, name="declare_conflict"),
    path("<int:case_id>/conflicts/<int:conflict_id>/", views.resolve_conflict, name="resolve_conflict"),
    path("<int:case_id>/consultations/", views.consult, name="consult"),
    path("<int:case_id>/access/", views.access_history, name="access_history"),
]

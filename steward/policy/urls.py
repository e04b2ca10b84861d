from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("guidelines/", views.guidelines, name="guidelines"),
    path("guidelines/v/<str:number>/", views.version, name="version"),
    path("guidelines/changes/", views.changes, name="changes"),
    path("guidelines/subscribe/", views.subscribe, name="subscribe"),
    path("guidelines/subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("guidelines/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("how-to-report/", views.how_to_report, name="how_to_report"),
    path("code-of-conduct.md", views.code_of_conduct_md, name="code_of_conduct_md"),
    path("embed/", views.embed, name="embed"),
    path("staff/guidelines/", views.staff_list, name="staff_list"),
    path("staff/guidelines/<int:version_id>/", views.staff_edit, name="staff_edit"),
    path("staff/guidelines/<int:version_id>/publish/", views.staff_publish, name="staff_publish"),
    path("staff/guidelines/<int:version_id>/delete/", views.staff_delete, name="staff_delete"),
    path("staff/guidelines/<int:version_id>/translations/", views.staff_translations, name="staff_translations"),
    path("staff/guidelines/<int:version_id>/translations/<str:locale>/", views.staff_translation,
         name="staff_translation"),
    path("staff/receiving-a-report/", views.receiving, name="receiving"),
]

from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("cases/<int:case_id>/erase/", views.erase, name="erase"),
    path("people/export/", views.export, name="export"),
]

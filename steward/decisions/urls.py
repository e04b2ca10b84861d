from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("<int:case_id>/decision/", views.record, name="record"),
]

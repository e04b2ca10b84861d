from django.urls import URLPattern

from . import dashboard_views

app_name = "learn"

urlpatterns: list[URLPattern] = []
urlpatterns += dashboard_views.certificate_urlpatterns

from django.urls import URLPattern

app_name = "learn"

urlpatterns: list[URLPattern] = []
from . import sign_in_views  # noqa: E402  (the learner sign-in, its own module)

urlpatterns += sign_in_views.sign_in_urlpatterns

from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("steward.reports.urls")),
    path("", include("steward.policy.urls")),
    path("staff/", include("steward.staff.urls")),
    path("staff/accounts/", include("allauth.urls")),
    path("staff/cases/", include("steward.cases.urls")),
    path("staff/", include("steward.cases.staff_urls")),
    path("", include("steward.decisions.urls")),
    path("staff/", include("steward.retention.urls")),
    path("", include("steward.enforcement.urls")),
    path("staff/", include("steward.registry.urls")),
    path("staff/training/", include("steward.training.urls")),
    path("learn/", include("steward.training.learner_urls")),
    path("", include("steward.training.link_urls")),  # /l/learn/<token>/, the learner's emailed sign-in link
    path("api/", include("steward.api_urls")),
]

handler400 = "steward.core.views.bad_request"
handler403 = "steward.core.views.permission_denied"
handler404 = "steward.core.views.page_not_found"
handler500 = "steward.core.views.server_error"

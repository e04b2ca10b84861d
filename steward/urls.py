from allauth.account import views as account_views
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

staff_patterns = (
    [
        # Staff sign in through django-allauth under /staff/accounts/; these names stay for links.
        path("login/", RedirectView.as_view(pattern_name="account_login", query_string=True), name="login"),
        path("logout/", account_views.logout, name="logout"),
    ],
    "staff",
)

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("steward.reports.urls")),
    path("", include("steward.policy.urls")),
    path("staff/", include(staff_patterns)),
    path("staff/accounts/", include("allauth.urls")),
    path("staff/cases/", include("steward.cases.urls")),
    path("staff/", include("steward.cases.staff_urls")),
    path("staff/cases/", include("steward.decisions.urls")),
    path("staff/", include("steward.retention.urls")),
    path("staff/", RedirectView.as_view(pattern_name="cases:queue", permanent=False, http_method_names=["get", "head"])),
]

handler400 = "steward.core.views.bad_request"
handler403 = "steward.core.views.permission_denied"
handler404 = "steward.core.views.page_not_found"
handler500 = "steward.core.views.server_error"

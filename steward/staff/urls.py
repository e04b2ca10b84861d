from allauth.account import views as account_views
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    # Staff sign in through django-allauth under /staff/accounts/; these names stay for links.
    path("login/", RedirectView.as_view(pattern_name="account_login", query_string=True), name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("me/recovery-codes/saved/", views.recovery_codes_saved, name="recovery_codes_saved"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<int:user_id>/roles/", views.roles, name="roles"),
    path("people/<int:user_id>/profile/", views.profile, name="profile"),
    path("people/<int:user_id>/offboard/", views.offboard, name="offboard"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:message_id>/retry/", views.retry_delivery, name="retry_delivery"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/new/", views.api_token_new, name="api_token_new"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("me/api-tokens/", views.my_api_tokens, name="my_api_tokens"),
    path("me/api-tokens/<int:token_id>/collect/", views.api_token_collect, name="api_token_collect"),
]

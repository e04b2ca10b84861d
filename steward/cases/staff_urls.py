from django.urls import path

from . import staff_views

app_name = "staffing"

urlpatterns = [
    path("consultations/", staff_views.my_consultations, name="consultations"),
    path("consultations/<int:consultation_id>/answer/", staff_views.answer, name="answer"),
    path("consultations/<int:consultation_id>/withdraw/", staff_views.withdraw, name="withdraw"),
    path("me/accounts/", staff_views.my_accounts, name="accounts"),
    path("me/accounts/<int:account_id>/remove/", staff_views.remove_account, name="remove_account"),
    path("access/", staff_views.access_lookup, name="access"),
    path("consultation-rules/", staff_views.consultation_rules_page, name="consultation_rules"),
]

from django.urls import path

from . import views

app_name = "enforcement"

urlpatterns = [
    path("staff/cases/<int:case_id>/rollout/", views.rollout, name="rollout"),
    path("staff/cases/<int:case_id>/rollout/actions/<int:action_id>/retry/", views.retry, name="retry"),
    path("staff/cases/<int:case_id>/rollout/actions/<int:action_id>/done/", views.mark_done, name="mark_done"),
    path("staff/cases/<int:case_id>/rollout/actions/<int:action_id>/take/", views.take, name="take"),
    path("staff/rollouts/", views.rollouts, name="rollouts"),
    path("staff/connectors/", views.connectors_page, name="connectors"),
    path("staff/connectors/<str:system>/", views.configure, name="configure"),
    path("staff/connectors/<str:system>/test/", views.test_connection, name="test_connection"),
]

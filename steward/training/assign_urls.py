from django.urls import path

from . import assign_views

urlpatterns = [
    path("rules/", assign_views.rules, name="rules"),
    path("rules/new/", assign_views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", assign_views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/deactivate/", assign_views.rule_deactivate, name="rule_deactivate"),
    path("learners/", assign_views.learners, name="learners"),
    path("learners/new/", assign_views.learner_new, name="learner_new"),
    path("learners/<int:learner_id>/assign/", assign_views.assign, name="assign"),
]

from django.urls import path

from . import proposal_views, return_views, views

app_name = "decisions"

urlpatterns = [
    path("staff/cases/<int:case_id>/decision/", views.record, name="record"),
    path("staff/ladder/", views.ladder, name="ladder"),
    path("staff/ladder/new-version/", views.new_version, name="new_version"),
    path("staff/ladder/<int:ladder_id>/", views.ladder_version, name="ladder_version"),
    path("staff/ladder/<int:ladder_id>/publish/", views.publish, name="publish"),
    path("staff/ladder/<int:ladder_id>/discard/", views.discard, name="discard"),
    path("staff/ladder/<int:ladder_id>/levels/", views.add_level, name="add_level"),
    path("staff/ladder/levels/<int:level_id>/", views.edit_level, name="edit_level"),
    path("staff/ladder/levels/<int:level_id>/move/", views.move_level, name="move_level"),
    path("staff/ladder/levels/<int:level_id>/remove/", views.remove_level, name="remove_level"),
    path("guidelines/consequences/", views.consequences, name="consequences"),
    # Interim measures, breaches, check-ins and the return link (decisions/return_views.py).
    path("staff/cases/<int:case_id>/interim/", return_views.impose_interim, name="impose_interim"),
    path("staff/decisions/<int:decision_id>/breach/", return_views.record_breach, name="record_breach"),
    path("staff/check-ins/<int:check_in_id>/", return_views.record_check_in, name="record_check_in"),
    path("l/return/<str:token>/", return_views.return_page, name="return"),
    # Proposals before a decision is enacted.
    path("staff/proposals/<int:proposal_id>/vote/", proposal_views.vote, name="vote"),
    path("staff/proposals/<int:proposal_id>/enact/", proposal_views.enact, name="enact"),
    path("staff/proposals/<int:proposal_id>/withdraw/", proposal_views.withdraw, name="withdraw"),
    path("staff/proposals/<int:proposal_id>/request-response/", proposal_views.request_response,
         name="request_response"),
    path("staff/proposals/<int:proposal_id>/record-response/", proposal_views.record_response,
         name="record_response"),
    path("staff/decision-policy/", proposal_views.policy, name="policy"),
    path("l/respond/<str:token>/", proposal_views.respond, name="respond"),
    path("staff/proposals/<int:proposal_id>/tell-reporters/", proposal_views.tell_reporters, name="tell_reporters"),
]

# Appeals (decisions/appeal_views.py): the reported person's link page, the decision makers' pages.
from . import appeal_views  # noqa: E402

urlpatterns += [
    path("l/appeal/<str:token>/", appeal_views.link, name="appeal_link"),
    path("staff/appeals/", appeal_views.open_appeals, name="appeals"),
    path("staff/appeals/<int:appeal_id>/", appeal_views.review, name="appeal"),
]

# Decision message templates (decisions/message_views.py).
from . import message_views  # noqa: E402

urlpatterns += [
    path("staff/decision-messages/", message_views.templates, name="message_templates"),
    path("staff/decision-messages/<int:template_id>/", message_views.edit_template, name="message_template"),
]

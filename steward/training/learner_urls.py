"""The learner's pages, mounted at /learn/ (namespace "learn")."""

from django.urls import path

from . import dashboard_views, sign_in_views
from . import learner_views as views

app_name = "learn"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<slug:slug>/", views.course, name="course"),
    path("courses/<slug:slug>/language/", views.choose_language, name="language"),
    path("courses/<slug:slug>/survey/", views.survey, name="survey"),
    path("lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("lessons/<int:lesson_id>/read/", views.mark_read, name="mark_read"),
    path("images/<int:image_id>/", views.image, name="image"),
    path("quizzes/<int:quiz_id>/", views.quiz, name="quiz"),
    path("quizzes/<int:quiz_id>/start/", views.start_attempt, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/questions/<int:question_id>/", views.answered, name="answered"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
]
urlpatterns += dashboard_views.certificate_urlpatterns
urlpatterns += sign_in_views.sign_in_urlpatterns

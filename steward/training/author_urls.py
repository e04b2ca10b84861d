"""Writing courses (TrainingAction.AUTHOR, or a course's owners): /staff/training/courses/ and below."""

from django.urls import path

from . import author_views as views

urlpatterns = [
    path("courses/", views.course_list, name="courses"),
    path("courses/import/", views.course_import, name="course_import"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/versions/", views.version_new, name="version_new"),
    path("courses/<int:course_id>/owners/", views.owner_add, name="owner_add"),
    path("courses/<int:course_id>/owners/<int:user_id>/remove/", views.owner_remove, name="owner_remove"),
    path("versions/<int:version_id>/", views.version_edit, name="version"),
    path("versions/<int:version_id>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:version_id>/delete/", views.version_delete, name="version_delete"),
    path("versions/<int:version_id>/export/", views.version_export, name="version_export"),
    path("versions/<int:version_id>/import/", views.version_import, name="version_import"),
    path("versions/<int:version_id>/images/", views.image_upload, name="image_upload"),
    path("images/<int:image_id>/delete/", views.image_delete, name="image_delete"),
    path("versions/<int:version_id>/lessons/new/", views.lesson_new, name="lesson_new"),
    path("versions/<int:version_id>/translations/", views.translations, name="translations"),
    path("versions/<int:version_id>/translations/<str:language>/", views.translation_edit, name="translation"),
    path("versions/<int:version_id>/translations/<str:language>/import/", views.translation_import,
         name="translation_import"),
    path("versions/<int:version_id>/translations/<str:language>/export/", views.translation_export,
         name="translation_export"),
    path("lessons/<int:lesson_id>/", views.lesson_edit, name="lesson"),
    path("lessons/<int:lesson_id>/move/", views.lesson_move, name="lesson_move"),
    path("lessons/<int:lesson_id>/delete/", views.lesson_delete, name="lesson_delete"),
    path("lessons/<int:lesson_id>/quiz/", views.quiz_edit, name="quiz"),
    path("lessons/<int:lesson_id>/quiz/delete/", views.quiz_delete, name="quiz_delete"),
    path("lessons/<int:lesson_id>/questions/new/", views.question_new, name="question_new"),
    path("questions/<int:question_id>/", views.question_edit, name="question"),
    path("questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
]

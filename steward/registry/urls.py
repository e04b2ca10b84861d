from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("screening/", views.screenings, name="screenings"),
    path("screening/person/", views.screen_person, name="screen_person"),
    path("screening/file/", views.screen_file, name="screen_file"),
    path("screening/<int:screening_id>/", views.screening_page, name="screening"),
    path("screening/<int:screening_id>/answers.csv", views.screening_export, name="screening_export"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("registry/", views.people_page, name="people"),
    path("registry/people/<int:person_id>/", views.person, name="person"),
    path("registry/people/<int:person_id>/names/", views.add_name, name="add_name"),
    path("registry/people/<int:person_id>/names/<int:name_id>/remove/", views.remove_name, name="remove_name"),
    path("registry/people/<int:person_id>/accounts/", views.link, name="link"),
    path("registry/people/<int:person_id>/accounts/<int:identity_id>/unlink/", views.unlink, name="unlink"),
    path("registry/people/<int:person_id>/merge/<int:other_id>/", views.merge, name="merge"),
    path("registry/records/new/", views.enter_record, name="enter_record"),
    path("registry/records/import/", views.import_records, name="import_records"),
]

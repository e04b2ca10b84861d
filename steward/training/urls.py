"""Staff pages of training under /staff/training/ (learners' pages are `learner_urls`, under /learn/)."""

from . import assign_urls, author_urls, dashboard_urls

app_name = "training"

urlpatterns = [*author_urls.urlpatterns, *assign_urls.urlpatterns, *dashboard_urls.urlpatterns]

"""The learner sign-in link at /l/learn/<token>/ (mounted at the site's root, see core.links.path)."""

from .sign_in_views import link_urlpatterns

urlpatterns = link_urlpatterns

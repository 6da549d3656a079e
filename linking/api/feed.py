"""API: feed."""

urlpatterns = []

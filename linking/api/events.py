"""API: events."""

urlpatterns = []

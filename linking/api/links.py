"""API: links."""

urlpatterns = []

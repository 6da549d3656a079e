"""API: webhooks."""

urlpatterns = []

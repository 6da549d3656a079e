"""API: naming."""

urlpatterns = []

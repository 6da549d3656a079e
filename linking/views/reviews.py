"""Workbench: reviews."""

urlpatterns = []

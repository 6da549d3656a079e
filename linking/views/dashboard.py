"""Workbench: dashboard."""

urlpatterns = []

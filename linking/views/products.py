"""Workbench: products."""

urlpatterns = []

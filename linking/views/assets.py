"""Workbench: assets."""

urlpatterns = []

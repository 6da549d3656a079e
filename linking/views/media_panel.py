"""Workbench: media_panel."""

urlpatterns = []

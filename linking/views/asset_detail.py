"""Workbench: asset_detail."""

urlpatterns = []

"""Workbench: product_editor."""

urlpatterns = []

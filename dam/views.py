"""Workbench pages."""

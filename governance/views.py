"""Workbench pages for governance."""

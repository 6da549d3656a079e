"""Linking reads, one module per concern."""

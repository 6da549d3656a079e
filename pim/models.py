"""Families, attributes, products, product models and values (see docs/architecture.md)."""

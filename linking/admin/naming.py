"""Admin: naming."""

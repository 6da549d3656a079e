"""Admin: feed."""

"""Admin: links."""

"""API views; their writes call services."""

"""Signal receivers: events."""

"""Signal receivers: links."""

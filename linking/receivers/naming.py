"""Signal receivers: naming."""

"""Signal receivers: documents."""

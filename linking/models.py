"""Product↔asset links, naming rules and channel syndication (see docs/architecture.md)."""

"""Assets, versions, metadata, renditions and usage rights (see docs/architecture.md)."""

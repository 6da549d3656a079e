"""Rules shared by every entry point."""

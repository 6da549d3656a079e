"""Writes: the only place that changes state, writes the audit trail and emits events."""

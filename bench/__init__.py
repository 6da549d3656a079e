"""Tessera's benchmark suite: `make bench` (or `python -m bench`) against PostgreSQL.

Targets come from the issues; results print as a table and are saved as JSON under
bench/results/. These are measurements, not tests: nothing here asserts timings.
"""

"""Reads, with related rows fetched up front so query counts stay constant."""

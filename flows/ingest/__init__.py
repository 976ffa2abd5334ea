"""Ingest: find inbox files, hash them, read reports (text) and datasets (rows)."""

"""eventflow: protest, detention, attack and trial events into one geocoded, deduplicated DuckDB table."""

__version__ = "0.1.0"

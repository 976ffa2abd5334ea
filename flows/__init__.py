"""eventflow: protest, detention, attack and trial events into one geocoded, deduplicated DuckDB table."""

import os

# Prefect's local server sends usage telemetry to an outside host by default: a researcher's run must make no
# request beyond this machine. Set before Prefect is imported anywhere in the package; a user may override it.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

__version__ = "0.1.0"

"""Progress and notices: into the Prefect run log inside a run (console and server), else Python's logging."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable

LOGGER = logging.getLogger("eventflow")


def log(message: str, level: int = logging.INFO) -> None:
    """Log one line to the current Prefect run's logger, or to the `eventflow` logger outside a run."""
    if "prefect" in sys.modules:      # a run context exists only once Prefect is imported
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            get_run_logger().log(level, message)
            return
        except MissingContextError:
            pass
    LOGGER.log(level, message)


LARGE_FILE_BYTES = 10_000_000    # files from this size on are announced before they are read, and timed


def announced(read: Callable) -> Callable:
    """Wrap a reader of one inbox file (its first argument has `relpath` and `size_bytes`, its result `mentions`
    and `rejects`) so that a large file says when it starts and how long it took: a long read is never silent."""
    @functools.wraps(read)
    def wrapper(f, *args, **kwargs):
        if f.size_bytes < LARGE_FILE_BYTES:
            return read(f, *args, **kwargs)
        log(f"reading {f.relpath} ({f.size_bytes / 1e6:,.0f} MB): a large file, this can take a while")
        started = time.monotonic()
        batch = read(f, *args, **kwargs)
        log(f"read {f.relpath} in {time.monotonic() - started:,.0f} s: {batch.mentions.height} mentions, "
            f"{batch.rejects.height} rejects")
        return batch

    return wrapper

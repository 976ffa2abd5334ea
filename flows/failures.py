"""Failures said in one line: the cause and the path it concerns, never a page of traceback (that is for
`--debug` and the run log)."""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
from pathlib import Path

FULL_DISK_BYTES = 64 * 1024 * 1024    # a file system with less free space than this is the full one


def describe(exc: BaseException, paths: list[Path | str] = ()) -> str:
    """One line naming what failed and where. `paths` are the places the command works in (database, maps,
    inbox): when the error itself names no path (a full disk often does not), the one concerned is named."""
    exc = _root(exc)
    message = _first_line(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.strerror or message}: {exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 else "")
    if _is_full_disk(exc):
        full = [str(p) for p in _existing(paths) if shutil.disk_usage(p).free < FULL_DISK_BYTES]
        where = f"the disk holding {', '.join(full)} is full" if full else "a disk is full"
        if not any(str(p) in message for p in paths) or full:
            message = f"{where} ({message})"
    elif not _names_a_path(message) and paths:
        message = f"{message} (working on {', '.join(str(p) for p in paths)})"
    return message


def _root(exc: BaseException) -> BaseException:
    """The exception that says what went wrong: Prefect and DuckDB wrap the one that matters."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or (exc.__context__ if not exc.__suppress_context__ else None)
        if inner is None or not isinstance(inner, OSError) or isinstance(exc, OSError):
            return exc
        exc = inner
    return exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line or type(exc).__name__


def _is_full_disk(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        "no space left on device" in str(exc).lower()


def _names_a_path(message: str) -> bool:
    return bool(re.search(r"(^|[\s\"'(:])(/|\.{1,2}/|[\w.-]+/)[\w./-]*", message))


def _existing(paths: list[Path | str]) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p)
        while not p.exists() and p != p.parent:
            p = p.parent
        out.append(p if p.exists() else Path(os.getcwd()))
    return list(dict.fromkeys(out))


class WithoutTraceback(logging.Formatter):
    """A console handler's formatter that leaves out tracebacks (the run log keeps them), restoring the record
    for any handler after it."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def quiet_console_tracebacks() -> None:
    """Prefect's console handlers print log lines without tracebacks from now on (they stay in the run log)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, WithoutTraceback):
            handler.setFormatter(WithoutTraceback(handler.formatter))

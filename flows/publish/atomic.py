"""Atomic, change-aware file writes: a reader never sees a half-written file, and an unchanged file is
left untouched (same bytes, same modification time)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_if_changed(path: Path, content: bytes | str) -> bool:
    """Write `content` to `path` via a temporary file and os.replace, unless the file already holds
    exactly these bytes. Returns True when the file was (re)written."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

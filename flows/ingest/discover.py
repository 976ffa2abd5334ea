"""Find the files of an inbox and decide which are new, changed or unchanged."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# Files that describe another file rather than being a source themselves.
SIDECAR_SUFFIXES = (".meta.yaml", ".mapping.yaml", ".meta.yml", ".mapping.yml")
IGNORED_NAMES = {"README.md", ".DS_Store"}


@dataclass(frozen=True)
class InboxFile:
    path: Path        # absolute path
    relpath: str      # path relative to the inbox, with forward slashes: the source's name everywhere
    sha256: str
    size_bytes: int


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def is_source_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and not name.startswith(".")
        and name not in IGNORED_NAMES
        and not name.endswith(SIDECAR_SUFFIXES)
    )


def discover(inbox: Path) -> list[InboxFile]:
    """Every source file below inbox (sidecars, hidden files and READMEs excluded), sorted by path."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    files = []
    for path in sorted(p for p in inbox.rglob("*") if is_source_file(p)):
        files.append(InboxFile(path.resolve(), path.relative_to(inbox).as_posix(), sha256_of(path),
                               path.stat().st_size))
    return files


def split_by_state(files: list[InboxFile], known: dict[str, str]) -> tuple[list, list, list]:
    """(new, changed, unchanged) given known = {relpath: sha256} of sources already stored."""
    new, changed, unchanged = [], [], []
    for f in files:
        if f.relpath not in known:
            new.append(f)
        elif known[f.relpath] != f.sha256:
            changed.append(f)
        else:
            unchanged.append(f)
    return new, changed, unchanged

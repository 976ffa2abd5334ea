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
    relpath: str      # the source's name everywhere: the inbox folder's name, then the path inside it
    sha256: str       # of the file and its sidecars: editing a sidecar changes the source
    size_bytes: int


def sidecars_of(path: Path) -> list[Path]:
    """The sidecar files that describe path (REPORT.meta.yaml, FILE.mapping.yaml, also FILE.csv.mapping.yaml)."""
    names = {path.stem + suffix for suffix in SIDECAR_SUFFIXES} | {path.name + suffix for suffix in SIDECAR_SUFFIXES}
    return sorted(p for p in (path.with_name(n) for n in names) if p.is_file())


def sha256_of(path: Path, sidecars: list[Path] = (), chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, followed by the name and bytes of each sidecar."""
    h = hashlib.sha256()
    for i, part in enumerate([path, *sidecars]):
        if i:
            h.update(b"\0" + part.name.encode("utf-8") + b"\0")
        with part.open("rb") as f:
            while block := f.read(chunk):
                h.update(block)
    return h.hexdigest()


def is_source_file(path: Path, inbox: Path) -> bool:
    """A file to ingest: not hidden (nor inside a hidden folder), not a README, not a sidecar."""
    hidden = any(part.startswith(".") for part in path.relative_to(inbox).parts)
    return (
        path.is_file()
        and not hidden
        and path.name not in IGNORED_NAMES
        and not path.name.endswith(SIDECAR_SUFFIXES)
    )


def source_name(inbox: Path, path: Path) -> str:
    """'samples/report.txt' for data/samples/report.txt: the inbox's own name keeps two inboxes apart in one
    database (a scheduled data/inbox and the embedded data/samples)."""
    return f"{Path(inbox).resolve().name}/{path.relative_to(inbox).as_posix()}"


def discover(inbox: Path) -> list[InboxFile]:
    """Every source file below inbox (sidecars, hidden files and READMEs excluded), sorted by path."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    files = []
    for path in sorted(p for p in inbox.rglob("*") if is_source_file(p, inbox)):
        files.append(InboxFile(path.resolve(), source_name(inbox, path), sha256_of(path, sidecars_of(path)),
                               path.stat().st_size))
    return files


def split_by_state(files: list[InboxFile], known: dict[str, str]) -> tuple[list, list, list, dict]:
    """(new, changed, unchanged, duplicates) given known = {name: sha256} of the sources already stored.
    duplicates = {file: name of the source with the same content}: stored under another name, or met
    earlier in this batch; they are not read again (one export under two names is one source)."""
    new, changed, unchanged, duplicates = [], [], [], {}
    owner = {sha: name for name, sha in sorted(known.items())}
    for f in files:
        if known.get(f.relpath) == f.sha256:
            unchanged.append(f)
            continue
        first = owner.setdefault(f.sha256, f.relpath)
        if first != f.relpath:
            duplicates[f] = first
        elif f.relpath in known:
            changed.append(f)
        else:
            new.append(f)
    return new, changed, unchanged, duplicates

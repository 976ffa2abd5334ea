"""Find the files of an inbox and decide which are new, changed or unchanged.

Nothing outside the inbox is ever read: a link that leads out of it (to a file or a folder) is recorded as
an `outside_inbox` reject without being opened or hashed; dangling links (`dangling_link`), link loops
(`link_loop`), pipes and devices (`not_a_regular_file`), empty files (`empty_file`) and reports over the size
limit (`too_large`) are recorded with their reason too, never silently skipped and never read. Links within
the inbox are followed (their content is then one source under two names: a `duplicate_file`); folder links
are not walked into, so a folder loop cannot trap the walk.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from flows.ingest.reports import REPORT_SUFFIXES

# Files that describe another file rather than being a source themselves.
SIDECAR_SUFFIXES = (".meta.yaml", ".mapping.yaml", ".meta.yml", ".mapping.yml")
IGNORED_NAMES = {"README.md", ".DS_Store"}


@dataclass(frozen=True)
class InboxFile:
    path: Path        # absolute path (a link within the inbox: its target)
    relpath: str      # the source's name everywhere: the inbox folder's name, then the path inside it
    sha256: str       # of the file and its sidecars: editing a sidecar changes the source
    size_bytes: int
    problem: tuple[str, str] | None = None   # (reason, detail): never read, recorded as a reject with this reason


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


def _skipped(name: str) -> bool:
    """Hidden files, READMEs and sidecars are not sources."""
    return name.startswith(".") or name in IGNORED_NAMES or name.endswith(SIDECAR_SUFFIXES)


def source_name(inbox: Path, path: Path) -> str:
    """'samples/report.txt' for data/samples/report.txt: the inbox's own name keeps two inboxes apart in one
    database (a scheduled data/inbox and the embedded data/samples)."""
    return f"{Path(inbox).resolve().name}/{path.relative_to(inbox).as_posix()}"


def discover(inbox: Path, max_report_bytes: int | None = None) -> list[InboxFile]:
    """Every source below inbox (sidecars, hidden files and READMEs excluded), sorted by name; entries that
    cannot be read safely come with their `problem`. Reports over `max_report_bytes` (default: the setting)
    are `too_large`."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    if max_report_bytes is None:
        from flows.config import load_settings

        max_report_bytes = load_settings().max_report_bytes
    root = inbox.resolve()
    found = []
    for folder, dirnames, filenames in os.walk(inbox, followlinks=False):
        folder = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            if (folder / d).is_symlink():           # never walked into; reached by its real path if inside
                dirnames.remove(d)
                problem = _link_problem(folder / d, root)
                if problem:
                    found.append(_problem_file(inbox, folder / d, problem))
        for name in sorted(filenames):
            if not _skipped(name):
                found.append(_inspect(inbox, root, folder / name, max_report_bytes))
    return sorted(found, key=lambda f: f.relpath)


def _inspect(inbox: Path, root: Path, path: Path, max_report_bytes: int | None) -> InboxFile:
    problem = _link_problem(path, root) if path.is_symlink() else None
    if problem:
        return _problem_file(inbox, path, problem)
    real = path.resolve()
    try:
        mode = real.stat().st_mode
        if not stat.S_ISREG(mode):
            kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
            return _problem_file(inbox, path, ("not_a_regular_file", f"{kind}, not a file: not read"))
        sidecars = sidecars_of(path)
        outside = [s for s in sidecars if not s.resolve().is_relative_to(root)]
        if outside:
            return _problem_file(inbox, path, ("outside_inbox", f"its sidecar {outside[0].name} links outside "
                                                                "the inbox: neither is read"))
        size = real.stat().st_size
        file = InboxFile(real, source_name(inbox, path), sha256_of(real, sidecars), size)
    except OSError as exc:
        return _problem_file(inbox, path, ("unreadable_file", f"{exc.strerror or exc}: not read"))
    if size == 0:
        return replace(file, problem=("empty_file", "the file is empty (0 bytes)"))
    if max_report_bytes and path.suffix.lower() in REPORT_SUFFIXES and size > max_report_bytes:
        detail = (f"the report is {size / 1e6:,.1f} MB, over the limit of {max_report_bytes / 1e6:,.1f} MB "
                  "(setting max_report_bytes): not read")
        return replace(file, problem=("too_large", detail))
    return file


def _link_problem(path: Path, root: Path) -> tuple[str, str] | None:
    """Why a link must not be followed (None for a link to a file or folder inside the inbox)."""
    target = os.readlink(path)
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        return "dangling_link", f"a link to {target}, which does not exist"
    except (RuntimeError, OSError):       # Python 3.11 raises RuntimeError for a loop, later versions OSError
        return "link_loop", f"a link to {target} that leads back to itself"
    if not real.is_relative_to(root):
        return "outside_inbox", f"a link to {target}, outside the inbox: not read"
    return None


def _problem_file(inbox: Path, path: Path, problem: tuple[str, str]) -> InboxFile:
    """An entry that is never read: hashed by what it is (the link's target, the reason), not its content."""
    marker = f"{problem[0]}\0{os.readlink(path) if path.is_symlink() else problem[1]}"
    return InboxFile(path.absolute(), source_name(inbox, path), hashlib.sha256(marker.encode()).hexdigest(), 0,
                     problem)


def split_by_state(files: list[InboxFile], known: dict[str, str]) -> tuple[list, list, list, dict]:
    """(new, changed, unchanged, duplicates) given known = {name: sha256} of the sources already stored.
    duplicates = {file: name of the source with the same content}: stored under another name, or met
    earlier in this batch; they are not read again (one export under two names is one source). Entries with
    a problem (empty files, links, ...) are never duplicates of each other."""
    new, changed, unchanged, duplicates = [], [], [], {}
    owner = {sha: name for name, sha in sorted(known.items())}
    for f in files:
        if known.get(f.relpath) == f.sha256:
            unchanged.append(f)
            continue
        first = owner.setdefault(f.sha256, f.relpath) if f.problem is None else f.relpath
        if first != f.relpath:
            duplicates[f] = first
        elif f.relpath in known:
            changed.append(f)
        else:
            new.append(f)
    return new, changed, unchanged, duplicates

"""Atomic, change-aware writes: a reader never sees a half-written file, an unchanged file is left untouched
(same bytes, same modification time), and a set of pages is swapped in as a whole (`swapped_folder`)."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# --- a complete set of pages at once ------------------------------------------------------------------------

RENAME_EXCHANGE = 2      # renameat2(2) flag: swap two paths atomically (Linux 3.15+)
_AT_FDCWD = -100


@contextmanager
def swapped_folder(folder: Path, say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Stage a new version of `folder` and swap it in as a whole, so that a reader sees the old set of files or
    the new one, never a mix.

    Yields a staging folder beside `folder` that starts as a copy of it (hard links, so unchanged files keep
    their bytes and times, and files that publish does not write, such as screenshots, are kept). Whatever the
    block writes there (any files, any sub-folders) replaces `folder` in one atomic rename when the block ends
    without an error; after an error, or a kill, `folder` is untouched and the staging copy is removed (then,
    or by the next publish). Files must be replaced, not edited in place (write_if_changed does that)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for leftover in folder.parent.glob(f".{folder.name}.staging-*"):     # from a publish that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.staging-", dir=folder.parent))
    try:
        os.chmod(staging, folder.stat().st_mode & 0o7777 if folder.is_dir() else 0o755)
        if folder.is_dir():
            _link_tree(folder, staging)
        yield staging
        _swap_in(staging, folder, say)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def moved(paths: list[Path], staging: Path, folder: Path) -> list[Path]:
    """Paths written under `staging`, as they are named after the swap (under `folder`)."""
    return [Path(folder) / Path(p).relative_to(staging) for p in paths]


def _link_tree(src: Path, dst: Path) -> None:
    for entry in os.scandir(src):
        target = dst / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            target.mkdir()
            shutil.copystat(entry.path, target)
            _link_tree(Path(entry.path), target)
        else:
            try:
                os.link(entry.path, target)
            except OSError:             # a file system without hard links: a copy does as well
                shutil.copy2(entry.path, target)


def _swap_in(staging: Path, folder: Path, say: Callable[[str], None] | None) -> None:
    """Put staging at folder's path in one step; the old folder goes to staging's path (and is removed)."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    exchange = getattr(libc, "renameat2", None)
    if exchange is not None and exchange(_AT_FDCWD, os.fsencode(staging), _AT_FDCWD, os.fsencode(folder),
                                         RENAME_EXCHANGE) == 0:
        return
    old = staging.with_name(staging.name.replace(".staging-", ".old-"))
    try:                                # no exchange here: two renames, between which the folder is briefly absent
        os.rename(folder, old)
    except OSError as exc:              # a mount point or a busy folder: replace its files one by one
        _replace_files(staging, folder)
        if say:
            say(f"{folder} could not be swapped as a whole ({exc.strerror}): its files were replaced one by one")
        return
    os.rename(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def _replace_files(staging: Path, folder: Path) -> None:
    for path in sorted(p for p in staging.rglob("*") if not p.is_dir()):
        target = folder / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    for path in sorted(folder.rglob("*"), reverse=True):
        if not (staging / path.relative_to(folder)).exists() and not path.is_dir():
            path.unlink()

"""Publishing swaps in a complete set of pages (a reader sees the old set or the new one, never a mix, also
after a failure or a kill mid-publish), and its cost stays bounded whatever the span of dates (issue 9)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.publish.atomic import swapped_folder, write_if_changed
from flows.publish.eventdata import conform_events
from flows.publish.timeline import MAX_BARS, timeline_png

PAGES = ["index.html", "regions_2016.html", "kz/index.html", "timeline.html"]


def _publish_version(folder: Path, version: int) -> None:
    with swapped_folder(folder) as staging:
        for page in PAGES:
            write_if_changed(staging / page, f"version {version}")


def test_a_publish_replaces_the_set_and_keeps_what_it_does_not_write(tmp_path: Path):
    maps = tmp_path / "maps"
    _publish_version(maps, 1)
    (maps / "index.png").write_bytes(b"a screenshot the user made")
    kept = (maps / "regions_2016.html").stat()
    with swapped_folder(maps) as staging:
        write_if_changed(staging / "index.html", "version 2")
        write_if_changed(staging / "regions_2016.html", "version 1")     # unchanged: same file, same time
        write_if_changed(staging / "kz" / "extra.html", "new page")
    assert (maps / "index.html").read_text() == "version 2"
    assert (maps / "kz" / "extra.html").is_file() and (maps / "index.png").is_file()
    after = (maps / "regions_2016.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps"]          # no staging or old copy left


def test_a_failure_mid_publish_leaves_the_old_set_whole(tmp_path: Path):
    maps = tmp_path / "maps"
    _publish_version(maps, 1)
    with pytest.raises(RuntimeError), swapped_folder(maps) as staging:
        write_if_changed(staging / "index.html", "version 2")
        raise RuntimeError("the disk filled up half way")
    assert {(maps / p).read_text() for p in PAGES} == {"version 1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps"]


def test_a_kill_mid_publish_leaves_the_old_set_and_the_next_publish_cleans_up(tmp_path: Path):
    maps = tmp_path / "maps"
    _publish_version(maps, 1)
    code = ("import os, sys; from pathlib import Path; from flows.publish.atomic import swapped_folder, "
            "write_if_changed\nwith swapped_folder(Path(sys.argv[1])) as staging:\n"
            "    write_if_changed(staging / 'index.html', 'version 2')\n    os._exit(9)\n")
    assert subprocess.run([sys.executable, "-c", code, str(maps)]).returncode == 9
    assert {(maps / p).read_text() for p in PAGES} == {"version 1"}
    assert len(list(tmp_path.glob(".maps.staging-*"))) == 1                 # what the kill left
    _publish_version(maps, 3)
    assert {(maps / p).read_text() for p in PAGES} == {"version 3"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps"]


def _read_in(folder_fd: int, name: str) -> str:
    fd = os.open(name, os.O_RDONLY, dir_fd=folder_fd)
    with os.fdopen(fd) as f:
        return f.read()


def test_a_reader_sees_one_version_of_the_whole_set_while_publishes_go_on(tmp_path: Path):
    maps = tmp_path / "maps"
    _publish_version(maps, 0)
    stop, mixed, reads = threading.Event(), [], [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                fd = os.open(maps, os.O_RDONLY)        # the folder as it is now, then every page in it
            except FileNotFoundError:
                continue
            try:
                seen = {_read_in(fd, p) for p in PAGES}
            except FileNotFoundError:
                seen = {"missing page"}
            finally:
                os.close(fd)
            reads[0] += 1
            if len(seen) > 1:
                mixed.append(seen)

    thread = threading.Thread(target=reader)
    thread.start()
    for version in range(1, 40):
        _publish_version(maps, version)
    stop.set()
    thread.join()
    assert reads[0] > 0 and mixed == []


def test_timeline_cost_is_bounded_whatever_the_span_of_dates(monkeypatch):
    from matplotlib.axes import Axes

    bars: list[float] = []         # the x of every bar's right edge: one bar per bin of months, at most MAX_BARS
    original = Axes.add_collection
    monkeypatch.setattr(Axes, "add_collection", lambda self, c, *a, **k: bars.extend(
        path.vertices[:, 0].max() for path in c.get_paths()) or original(self, c, *a, **k))
    days = [date(1, 1, 2), date(2016, 5, 21), date(9999, 12, 1)]
    events = conform_events(pl.DataFrame({"event_id": ["a", "b", "c"], "event_type": ["protest"] * 3,
                                          "date_start": days, "date_precision": ["day"] * 3,
                                          "participants_high": [10, 20, 30]}))
    png = timeline_png(events)
    assert png.startswith(b"\x89PNG") and bars and max(bars) <= MAX_BARS

"""What the pages of a maps folder were drawn from, kept beside them in `.eventflow-pages.json` (swapped in
with the pages, so it always describes the pages it lies with).

For each country: a fingerprint of its events and reference data, and its row of the index; for each page:
the hash of its data and of its shell (division, title, settings) and of its bytes. A publish recomputes only
the countries whose fingerprint changed and rewrites only the pages whose data changed; a page whose data
changed but whose shell did not is written again from the shell of the page it replaces (no folium). A page
whose bytes are not the recorded ones (edited, removed) is always drawn again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flows.publish.index_page import CountryRow

STATE_NAME = ".eventflow-pages.json"


def digest(*parts: object) -> str:
    """sha256 of the parts (strings, bytes, or JSON-able values)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, str):
            h.update(part.encode("utf-8"))
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def file_stamp(path: Path | None) -> str:
    """A file's name, size and modification time (what tells a reinstalled reference file from the old one)."""
    if path is None or not Path(path).is_file():
        return f"{path}:missing"
    st = Path(path).stat()
    return f"{Path(path).resolve()}:{st.st_size}:{st.st_mtime_ns}"


@dataclass
class PageRecord:
    data: str        # hash of the page's data
    shell: str       # hash of what its shell is drawn from
    sha256: str      # hash of the page's bytes


@dataclass
class CountryRecord:
    fingerprint: str
    row: CountryRow


@dataclass
class PublishState:
    drawn_by: str = ""                       # the code and settings that drew the pages
    countries: dict[str, CountryRecord] = field(default_factory=dict)
    pages: dict[str, PageRecord] = field(default_factory=dict)

    def intact_bytes(self, folder: Path, name: str) -> bytes | None:
        """The page's bytes in `folder` when they are exactly those this state recorded, else None."""
        record, path = self.pages.get(name), Path(folder) / name
        if record is None or not path.is_file():
            return None
        raw = path.read_bytes()
        return raw if hashlib.sha256(raw).hexdigest() == record.sha256 else None

    def page_intact(self, folder: Path, name: str) -> bool:
        """The page is in `folder` with exactly the bytes this state recorded."""
        return self.intact_bytes(folder, name) is not None

    def to_json(self) -> str:
        return json.dumps({"drawn_by": self.drawn_by,
                           "countries": {c: {"fingerprint": r.fingerprint, "row": asdict(r.row)}
                                         for c, r in sorted(self.countries.items())},
                           "pages": {n: asdict(p) for n, p in sorted(self.pages.items())}},
                          indent=1, sort_keys=True)


def read_state(folder: Path, drawn_by: str) -> PublishState:
    """The state kept in `folder`; an empty one when there is none, it cannot be read, or other code or
    settings drew the pages."""
    try:
        raw = json.loads((Path(folder) / STATE_NAME).read_text(encoding="utf-8"))
        if raw.get("drawn_by") != drawn_by:
            return PublishState(drawn_by)
        countries = {}
        for code, rec in raw["countries"].items():
            row = dict(rec["row"], pages=tuple(tuple(p) for p in rec["row"]["pages"]))
            countries[code] = CountryRecord(rec["fingerprint"], CountryRow(**row))
        pages = {name: PageRecord(**rec) for name, rec in raw["pages"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return PublishState(drawn_by)
    return PublishState(drawn_by, countries, pages)

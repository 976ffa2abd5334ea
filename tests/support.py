"""Paths and builders the tests share (imported by test modules; conftest.py holds the fixtures)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data" / "samples"
SHARED = PROJECT_ROOT.parent / "shared"
# The dev report (third-party text): read in place from ../shared, never copied into the repository.
SAMPLE_REPORT = SHARED / "corpus" / "freedomhouse-nit2017-kazakhstan.txt"


def make_geo_root(root: Path, packs: dict[str, Callable[[Path, Path], None]] | None = None,
                  with_kz: bool = True) -> Path:
    """A geo root for a test: the real manifest, world layer and (with_kz) KZ pack, linked from data/geo, plus
    made-up packs: `packs[code](pack_folder, installed_folder)` writes each. Stamped as installed."""
    from flows.config import GEO_ROOT
    from flows.refdata import STAMP_FILE, inputs_digest, installed_root

    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.yaml").symlink_to(GEO_ROOT / "manifest.yaml")
    installed = installed_root(root)
    installed.mkdir()
    (installed / "world").symlink_to(installed_root(GEO_ROOT) / "world", target_is_directory=True)
    if with_kz:
        (root / "KZ").symlink_to(GEO_ROOT / "KZ", target_is_directory=True)
        (installed / "KZ").symlink_to(installed_root(GEO_ROOT) / "KZ", target_is_directory=True)
    for code, write in (packs or {}).items():
        (root / code).mkdir()
        (installed / code).mkdir()
        write(root / code, installed / code)
    (installed / STAMP_FILE).write_text(json.dumps({"inputs_digest": inputs_digest(root)}), encoding="utf-8")
    return root

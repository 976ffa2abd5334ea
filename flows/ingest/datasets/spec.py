"""The per-format mapping files in schemas/sources/*.yaml: column names, date formats, precision codes."""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.model import SCHEMAS_DIR

SOURCES_DIR = SCHEMAS_DIR / "sources"


def source_spec(name: str) -> dict:
    """schemas/sources/<name>.yaml as a dict, validated by the reference-data loader (flows.refdata; cached)."""
    from flows.refdata import source_dict

    return source_dict(name)


def load_yaml(path: Path) -> dict:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping")
    return data

"""The per-format mapping files in schemas/sources/*.yaml: column names, date formats, precision codes."""

from __future__ import annotations

from pathlib import Path

from flows.model import SCHEMAS_DIR

SOURCES_DIR = SCHEMAS_DIR / "sources"


def source_spec(name: str) -> dict:
    """schemas/sources/<name>.yaml as a dict, validated by the reference-data loader (flows.refdata; cached)."""
    from flows.refdata import source_dict

    return source_dict(name)


def load_yaml(path: Path) -> dict:
    """The one place a dataset format's YAML (a mapping sidecar, the store's comments) is read: through the
    reference-data loader's reader (flows.refdata), an empty file being an empty mapping."""
    from flows.refdata import ReferenceDataError, read_yaml

    if not Path(path).read_text(encoding="utf-8").strip():
        return {}
    try:
        return read_yaml(path)
    except ReferenceDataError as exc:
        raise ValueError(str(exc)) from exc

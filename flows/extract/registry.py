"""Extractors behind one interface: report text in, event mentions out (the export columns).

`rules` is the hand-written extractor (flows/extract/extractor.py); `learned` scores the same candidates and
the sentences around them with models trained by `eventflow train` on the annotated corpus. A later extractor
(a local LLM endpoint, say) registers here and is scored the same way (benchmarks/corpus_eval.py).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

import polars as pl

from flows.ingest.reports import ReportDoc

ExtractFn = Callable[..., pl.DataFrame]   # (doc, year=None, country=None) -> mentions

EXTRACTORS = {
    "rules": "flows.extract.extractor:extract_rules",
    "learned": "flows.extract.learned:extract_learned",
}
DEFAULT_EXTRACTOR = "learned"


class UnknownExtractor(ValueError):
    """An extractor name that is not registered."""


def get(name: str | None = None) -> ExtractFn:
    """The extract function of the named extractor (default: the `extractor` setting)."""
    if name is None:
        from flows.config import load_settings

        name = getattr(load_settings(), "extractor", DEFAULT_EXTRACTOR)
    if name not in EXTRACTORS:
        raise UnknownExtractor(f"unknown extractor {name!r}; choose one of {', '.join(EXTRACTORS)}")
    module, func = EXTRACTORS[name].split(":")
    return getattr(import_module(module), func)


def extract_report(doc: ReportDoc, year: int | None = None, country: str | None = None,
                   extractor: str | None = None) -> pl.DataFrame:
    """Every event mention the report states, by the chosen extractor."""
    return get(extractor)(doc, year=year, country=country)

"""Report extractor: narrative report text -> protest, detention, attack and trial event mentions, each with
the exact quote and offsets it came from."""

from flows.extract.extractor import (
    EXTRACTOR_VERSION,
    coverage_year,
    extract_file,
    write_extract_csv,
)
from flows.extract.registry import EXTRACTORS, extract_report

__all__ = ["EXTRACTORS", "EXTRACTOR_VERSION", "coverage_year", "extract_file", "extract_report", "write_extract_csv"]

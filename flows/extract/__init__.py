"""Report extractor: narrative report text -> protest, detention, attack and trial event mentions, each with
the exact quote and offsets it came from."""

from flows.extract.extractor import (
    EXTRACTOR_VERSION,
    coverage_year,
    extract_file,
    extract_report,
    write_extract_csv,
)

__all__ = ["EXTRACTOR_VERSION", "coverage_year", "extract_file", "extract_report", "write_extract_csv"]

"""schemas/review.yaml, read and checked once: the desk's editable fields and sizes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flows.ingest.datasets.spec import load_yaml
from flows.model import MENTION_SCHEMA, SCHEMAS_DIR

NOT_EDITABLE = {"mention_id", "source", "source_kind", "quote", "char_start", "char_end", "extractor"}


@dataclass(frozen=True)
class ReviewRules:
    editable_fields: tuple[str, ...]
    add_fields: tuple[str, ...]
    context_chars: int
    max_context_chars: int
    max_quote_chars: int
    queue_page: int
    candidate_days: int
    max_candidates: int
    added_extractor: str
    added_confidence: float


@cache
def review_rules() -> ReviewRules:
    """The rules, or a ValueError naming the key of schemas/review.yaml that is wrong."""
    path = SCHEMAS_DIR / "review.yaml"
    raw = load_yaml(path)
    names = set(ReviewRules.__dataclass_fields__)
    missing, unknown = names - set(raw), set(raw) - names
    if missing or unknown:
        raise ValueError(f"{path}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    for key in ("editable_fields", "add_fields"):
        bad = [f for f in raw[key] if f not in MENTION_SCHEMA or f in NOT_EDITABLE]
        if bad:
            raise ValueError(f"{path}: {key} names fields an analyst cannot set: {bad}")
    for key in ("context_chars", "max_context_chars", "max_quote_chars", "queue_page", "candidate_days",
                "max_candidates"):
        if not isinstance(raw[key], int) or raw[key] <= 0:
            raise ValueError(f"{path}: {key} must be a positive whole number")
    if not 0 <= float(raw["added_confidence"]) <= 1:
        raise ValueError(f"{path}: added_confidence must be between 0 and 1")
    return ReviewRules(**{**raw, "editable_fields": tuple(raw["editable_fields"]),
                          "add_fields": tuple(raw["add_fields"]), "added_confidence": float(raw["added_confidence"])})

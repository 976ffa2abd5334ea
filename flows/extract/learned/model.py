"""The learned candidate scorer: a logistic regression over hashed features, with a calibration map.

Saved as one small `.npz` file (no pickle): the non-zero weights, the intercept, the decision threshold, the
calibration curve and a JSON card (data, splits, figures). Scoring needs numpy only; training (scikit-learn)
lives in flows/extract/learned/train.py.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODELS_DIR / "candidate-scorer.npz"
HASH_BITS = 20


def feature_index(feature: str, bits: int = HASH_BITS) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


@dataclass
class ScorerModel:
    indices: np.ndarray              # hashed feature indices with a non-zero weight (sorted)
    weights: np.ndarray
    intercept: float
    threshold: float                 # a calibrated confidence at or above it keeps the candidate
    calib_x: np.ndarray              # raw probability -> probability that the candidate is a real event
    calib_y: np.ndarray
    card: dict = field(default_factory=dict)
    bits: int = HASH_BITS

    def raw(self, features: list[list[str]]) -> np.ndarray:
        """The model's probability for each candidate's feature list."""
        out = np.empty(len(features))
        mask, crc = (1 << self.bits) - 1, zlib.crc32
        for i, feats in enumerate(features):
            idx = np.unique(np.array([crc(f.encode("utf-8")) & mask for f in feats], dtype=np.int64))
            pos = np.searchsorted(self.indices, idx)
            pos[pos >= len(self.indices)] = 0
            hit = self.indices[pos] == idx
            out[i] = self.intercept + float(self.weights[pos[hit]].sum())
        return 1.0 / (1.0 + np.exp(-out))

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        if len(self.calib_x) == 0:
            return raw
        return np.interp(raw, self.calib_x, self.calib_y)

    def confidence(self, features: list[list[str]]) -> np.ndarray:
        return self.calibrate(self.raw(features)) if features else np.empty(0)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, indices=self.indices.astype(np.int32), weights=self.weights.astype(np.float32),
                            intercept=np.float64(self.intercept), threshold=np.float64(self.threshold),
                            calib_x=self.calib_x.astype(np.float64), calib_y=self.calib_y.astype(np.float64),
                            bits=np.int64(self.bits), card=np.array(json.dumps(self.card, sort_keys=True)))
        return path


def load_model(path: Path | str = DEFAULT_MODEL) -> ScorerModel:
    """Read a saved model (numbers only: the file cannot run code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no extractor model at {path}: run `eventflow train` or choose the rules "
                                "extractor (setting `extractor: rules`)")
    with np.load(path, allow_pickle=False) as z:
        return ScorerModel(z["indices"].astype(np.int64), z["weights"].astype(np.float64), float(z["intercept"]),
                           float(z["threshold"]), z["calib_x"], z["calib_y"], json.loads(str(z["card"])),
                           int(z["bits"]))


REVIEWED_MODEL = Path("data/models/candidate-scorer-reviewed.npz")   # `eventflow train --with-reviews` writes it


@cache
def default_model() -> ScorerModel:
    """The model the `extractor_model` setting names, else the shipped one."""
    from flows.config import load_settings

    return load_model(load_settings().extractor_model or DEFAULT_MODEL)

"""Folding and parsing of place strings (polars expressions)."""

from __future__ import annotations

import polars as pl
import pytest

from flows.geocode.names import PlaceWords, fold_expr, fold_text, nationwide_expr, parse_expr, skeleton_expr


@pytest.mark.parametrize(("raw", "folded"), [
    ("Öskemen", "oskemen"),
    ("Ust'-Kamenogorsk", "ust kamenogorsk"),
    ("  ALMATY  ", "almaty"),
    ("Ałmaty", "almaty"),
    ("Қарағанды облысы", "караганды облысы"),
    ("Алма-Ата", "алма ата"),
    ("Nur-Sultan (city)", "nur sultan city"),
])
def test_fold(raw, folded):
    assert fold_text(raw) == folded


@pytest.mark.parametrize(("raw", "key", "hint"), [
    ("Almaty Region", "almaty", "region"),
    ("the city of Almaty", "almaty", "place"),
    ("in Almaty", "almaty", None),
    ("Karasay district", "karasay", "admin2"),
    ("village of Shelek", "shelek", "place"),
    ("Mangystau oblysy", "mangystau", "region"),
    ("Алматинская область", "алматинская", "region"),
])
def test_parse_key_and_hint(raw, key, hint):
    words = PlaceWords.with_extra(region=["oblysy", "область"])
    got = pl.DataFrame({"s": [raw]}).select(**parse_expr(fold_expr(pl.col("s")), words)).row(0, named=True)
    assert (got["key"], got["hint"]) == (key, hint)


def test_direction_is_a_second_try_only():
    got = pl.DataFrame({"s": ["southern Almaty", "North Kazakhstan"]}).select(
        **parse_expr(fold_expr(pl.col("s")), PlaceWords()))
    assert got["key"].to_list() == ["southern almaty", "north kazakhstan"]
    assert got["key_nodir"].to_list() == ["almaty", None]


def test_skeleton_merges_romanisations():
    variants = [("dzh", "j"), ("zh", "j"), ("q", "k"), ("y", "i")]
    keys = pl.Series(["zhanaozen", "janaozen", "dzhambul", "jambul", "aqtobe", "aktobe", "ust kamenogorsk"])
    got = pl.select(skeleton_expr(pl.lit(keys), variants)).to_series().to_list()
    assert got[0] == got[1] and got[2] == got[3] and got[4] == got[5]
    assert got[6] == "ustkamenogorsk"


def test_nationwide():
    texts = pl.Series(["nationwide", "across Kazakhstan", "in several cities", "Almaty", "Kazakh steppe"])
    got = pl.select(nationwide_expr(fold_expr(pl.lit(texts)), ("Kazakhstan",))).to_series().to_list()
    assert got == [True, True, True, False, False]

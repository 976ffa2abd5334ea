"""Place-string folding as polars expressions: case, diacritics, punctuation, generic place words.

Everything here is language-generic. Country-specific words (local terms for region, district,
city) come from the country pack (`pack.yaml` keys `region_words`, `district_words`, `place_words`)
and are passed in as a `PlaceWords`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# Letters that Unicode NFKD does not decompose, folded to their base letter (Latin and Cyrillic).
_SCRIPT_FOLD: dict[str, str] = {
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th",
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
    "ї": "и", "є": "е", "ў": "у", "ё": "е", "ъ": "", "ь": "", "җ": "ж", "ҷ": "ч", "ҳ": "х",
    "ҫ": "с", "ӯ": "у", "ӣ": "и",
}
_APOSTROPHES = r"['’ʼ`´ʻ‘ʹ]"
_SEPARATORS = r"[\-‐‑–—_/\\.,;:()\[\]\"«»“”!?*&+]"

# Generic English words. A pack adds its own languages' words.
REGION_WORDS = ("region", "regions", "oblast", "province", "provinces", "state", "prefecture", "governorate")
DISTRICT_WORDS = ("district", "districts", "county", "municipality")
PLACE_WORDS = ("city", "town", "village", "settlement", "township", "hamlet", "capital")
# Leading words that say where, not what ("in Almaty", "the outskirts of Aktau").
LEADING_NOISE = (
    "in", "at", "near", "the", "of", "from", "outside", "outskirts", "suburbs", "suburb", "centre", "center",
    "downtown", "around", "city", "town", "village", "settlement", "region", "district", "province",
)
# Directional adjectives, stripped only as a second try ("southern Almaty" → "almaty").
DIRECTIONS = ("western", "eastern", "northern", "southern", "central", "north western", "south western",
              "north eastern", "south eastern", "northwestern", "southwestern", "northeastern", "southeastern")
# Texts that name the whole country or many unnamed places: country level, never a guessed city.
_NATIONWIDE = (
    r"\b(nationwide|countrywide|nation wide|country wide)\b"
    r"|\b(across|throughout|all over|around) the (country|nation|republic)\b"
    r"|\b(various|several|multiple|many|numerous|different|some|other|dozens of|a number of|all)"
    r" (towns|cities|regions|places|locations|settlements|parts of the country|provinces|oblasts|districts"
    r"|villages|areas)\b"
    r"|^(the )?(country|nation|republic)$"
)


@dataclass(frozen=True)
class PlaceWords:
    """Words that mark a string as a region, a district or a settlement (folded)."""

    region: tuple[str, ...] = REGION_WORDS
    district: tuple[str, ...] = DISTRICT_WORDS
    place: tuple[str, ...] = PLACE_WORDS

    @classmethod
    def with_extra(cls, region=(), district=(), place=()) -> PlaceWords:
        f = lambda words: tuple(fold_all(words))  # noqa: E731
        return cls(REGION_WORDS + f(region), DISTRICT_WORDS + f(district), PLACE_WORDS + f(place))


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """Lower case, no diacritics, apostrophes dropped, punctuation to single spaces, trimmed."""
    return (
        expr.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_many(list(_SCRIPT_FOLD), list(_SCRIPT_FOLD.values()))
        .str.replace_all(_APOSTROPHES, "")
        .str.replace_all(_SEPARATORS, " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def fold_text(text: str) -> str:
    """`fold_expr` for one Python string (for configuration words, not for data)."""
    return pl.select(fold_expr(pl.lit(text, dtype=pl.Utf8))).item() or ""


def fold_all(texts) -> list[str]:
    """`fold_expr` for many Python strings at once."""
    return pl.Series("t", list(texts), dtype=pl.Utf8).to_frame().select(fold_expr(pl.col("t")))["t"].to_list()


def alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


def parse_expr(folded: pl.Expr, words: PlaceWords) -> dict[str, pl.Expr]:
    """From a folded place string: `key` (the bare name), `hint` (region|admin2|place|None), `key_nodir`
    (the key without a leading direction word, or null when there is none)."""
    region, district, place = alternation(words.region), alternation(words.district), alternation(words.place)
    hint = (
        pl.when(folded.str.contains(rf"\b({region})\b")).then(pl.lit("region"))
        .when(folded.str.contains(rf"\b({district})\b")).then(pl.lit("admin2"))
        .when(folded.str.contains(rf"\b({place})\b")).then(pl.lit("place"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
    every = alternation(words.region + words.district + words.place)
    key = (
        folded.str.replace(rf"^(({alternation(LEADING_NOISE)}) )+", "")
        .str.replace_all(rf"\b({every})\b( of)?", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    directions = alternation(DIRECTIONS)
    key_nodir = (
        pl.when(key.str.contains(rf"^({directions}) \S"))
        .then(key.str.replace(rf"^({directions}) ", ""))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
    return {"key": key, "hint": hint, "key_nodir": key_nodir}


def skeleton_expr(key: pl.Expr, variants: list[tuple[str, str]]) -> pl.Expr:
    """A coarser key that merges romanisation variants (pack `transliteration_variants`, applied in order),
    drops spaces and doubled letters: "Zhanaozen" and "Janaozen" share one skeleton."""
    out = key
    for old, new in variants:
        out = out.str.replace_all(old, new, literal=True)
    out = out.str.replace_all(" ", "", literal=True)
    letters = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщыэюя"
    return out.str.replace_many([c + c for c in letters], list(letters))


def nationwide_expr(folded: pl.Expr, country_names: tuple[str, ...]) -> pl.Expr:
    """True where the text means the whole country or unnamed places in it."""
    names = alternation(tuple(fold_all(country_names)))
    pattern = _NATIONWIDE
    if names:
        pattern += rf"|^((across|throughout|all over|around|in|all of|the whole of|whole) )*({names})$"
    return folded.str.contains(pattern)


def mentions_any(folded: pl.Series, phrases: tuple[str, ...]) -> pl.Series:
    """True where the folded text holds one of the phrases (already folded) as whole words. A join of the
    texts' word runs with the phrases, not a regex, so a list of a thousand foreign names costs nothing to
    compile."""
    if not phrases or folded.is_empty():
        return pl.Series(folded.name, [False] * folded.len(), dtype=pl.Boolean)
    words = (pl.DataFrame({"t": folded}).with_row_index("_i")
             .with_columns(pl.col("t").fill_null("").str.split(" ").alias("_w"))
             .with_columns(pl.col("_w").list.len().alias("_n")))
    longest = int(words["_n"].max() or 0)
    max_words = max(p.count(" ") + 1 for p in phrases)
    grams = [words.filter(pl.col("_n") >= i + n).select("_i", pl.col("_w").list.slice(i, n).list.join(" ").alias("p"))
             for n in range(1, max_words + 1) for i in range(longest - n + 1)]
    if not grams:
        return pl.Series(folded.name, [False] * folded.len(), dtype=pl.Boolean)
    table = pl.DataFrame({"p": sorted(set(phrases))})
    hit = pl.concat(grams).join(table, on="p", how="semi")["_i"].unique()
    return words.select(pl.col("_i").is_in(hit.implode()))["_i"].alias(folded.name)

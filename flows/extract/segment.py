"""Sentence segmentation that survives report layout.

`clean_layout` returns a copy of the text of the SAME length in which footnote numbers glued to words
(`blocked106`, `protests.19`, `2015,52`), superscript marks, bracketed references, bullets and Markdown link
targets are blanked with spaces, so every offset into the clean text is an offset into the original.
`split_sentences` cuts the clean text into sentences within paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flows.extract.dates import find_dates

# Footnote numbers: after a lowercase word or a closing quote/bracket, after sentence-final punctuation that
# follows a word or a year, and after a comma that follows a word or a year ("requirements,42 raiding").
_FOOTNOTES = [
    re.compile(r"(?<=[a-z\u00e0-\u024f”’\"')\]])\d{1,3}(?=[\s,.;:)”’\"]|$)"),
    re.compile(r"(?<=[a-zA-Z”’\"')%][.!?])\d{1,3}(?=\s|$)"),
    re.compile(r"(?<=\b\d{4}[.!?])\d{1,3}(?=\s|$)"),
    re.compile(r"(?<=[a-z”’\"')],)\d{1,3}(?=\s)"),
    re.compile(r"(?<=\b\d{4},)\d{1,3}(?=\s)"),
]
_SUPERSCRIPTS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079]+")
_BRACKET_REFS = re.compile(r"\[\d{1,3}(?:[,\u2013-]\s?\d{1,3})*\]")
_MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(([^)\s]{0,500})\)")
_BULLETS = re.compile(r"(?m)^[ \t]*(?:[•▪●◦‣∙·*\-–]|\d{1,2}[.)]|\d{1,2}(?:\.\d{1,2})+\.?)[ \t]+")   # "2.1 " too
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "st", "no", "vs", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp", "jr", "sr",
    "u.s", "u.k", "e.g", "i.e", "etc", "approx", "govt", "dept", "art", "para", "p", "pp", "fig",
}
SUMMARY_HEADING = re.compile(r"\s*#*\s*(?:executive\s+summary|summary|overview|key\s+findings|key\s+developments|"
                             r"highlights|abstract|at\s+a\s+glance|in\s+brief|main\s+findings)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+[”’\"')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
# Paragraphs glued without a space by the source ("the civil registry.In July 2019, ..."): a stop after a
# lower-case word, then a capitalised word. "U.S.Army" or "example.com" do not match.
_GLUED_END = re.compile(r"(?<=[a-z]{2}[.!?])[”’\"')\]]*(?=[A-Z][a-z])")


MAX_SENTENCE_CHARS = 1500
HEADLINE_WORDS = 16
_WEEKDAY = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


@dataclass(frozen=True)
class Sentence:
    start: int          # offsets into the original text
    end: int
    text: str           # the CLEAN text of the sentence (same length as end - start)
    paragraph: int      # index of the paragraph the sentence is in
    in_summary: bool = False   # under a heading such as "Executive summary" or "Key findings"
    heading: bool = False      # a heading or headline line, not prose


def _blank(match: re.Match) -> str:
    return " " * (match.end() - match.start())


def clean_layout(text: str) -> str:
    """Blank layout artefacts with spaces, keeping the length (and so every offset) of the text."""
    out = _MD_LINK.sub(lambda m: " " + m.group(1) + " " * (len(m.group(0)) - len(m.group(1)) - 1), text)
    for pattern in (*_FOOTNOTES, _SUPERSCRIPTS, _BRACKET_REFS, _BULLETS):
        out = pattern.sub(_blank, out)
    out = out.replace("\u00ad", " ").replace("\ufeff", " ")
    assert len(out) == len(text)
    return out


_BLOCK_START = re.compile(r"[ \t]*(?:[•▪●◦‣∙·*#>\-–]|\d{1,2}[.)]\s)")
_HEADING = re.compile(r"[ \t]*#")


def _paragraphs(text: str, clean: str) -> list[tuple[int, int]]:
    """Paragraph spans: blocks separated by blank lines or by single newlines (reports put one per line)."""
    spans, pos, blank = [], 0, False
    for line in clean.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if line.strip():
            spans.append((start, end, blank))
            blank = False
        else:
            blank = True
    # A line that does not end a sentence continues on the next one (wrapped text, PDF lines), unless the next
    # line opens a new block (a bullet, a heading) or the line is itself a heading. After a blank line only a
    # line that opens in lower case continues (a page break inside a sentence); a headline, a dateline or a
    # form's header line stays its own paragraph.
    merged: list[tuple[int, int]] = []
    for start, end, after_blank in spans:
        if merged:
            prev_s, prev_e = merged[-1]
            prev_text = clean[prev_s:prev_e].rstrip()
            next_raw = clean[start:start + 40].lstrip()
            wrapped = next_raw[:1].islower() or (not after_blank and (next_raw[:1].isdigit() or len(prev_text) > 60))
            if prev_text and prev_text[-1] not in ".!?:”\"" and not _BLOCK_START.match(text, start) \
                    and not _HEADING.match(text, prev_s) and wrapped:
                merged[-1] = (prev_s, end)
                continue
        merged.append((start, end))
    return merged


def _is_abbreviation(clean: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", clean[max(0, dot - 12):dot])
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def split_sentences(text: str, clean: str | None = None) -> list[Sentence]:
    """Sentences of `text` with offsets into it; `clean` is clean_layout(text) if already computed."""
    clean = clean_layout(text) if clean is None else clean
    sentences: list[Sentence] = []
    in_summary = False
    for par_index, (p_start, p_end) in enumerate(_paragraphs(text, clean)):
        if is_heading_line(clean[p_start:p_end]):
            in_summary = bool(SUMMARY_HEADING.match(clean[p_start:p_end]))
        cut = p_start
        first = len(sentences)
        ends = sorted({*(m.end() for m in _SENTENCE_END.finditer(clean, p_start, p_end)
                         if not (m.group(0).startswith(".") and _is_abbreviation(clean, m.start()))),
                       *(m.end() for m in _GLUED_END.finditer(clean, p_start, p_end))})
        for end in ends:
            _add(sentences, clean, cut, end, par_index)
            cut = end
        _add(sentences, clean, cut, p_end, par_index)
        if in_summary:
            sentences[first:] = [replace(s, in_summary=True) for s in sentences[first:]]
        if len(sentences) == first + 1 and not _BLOCK_START.match(text, p_start) and is_heading(sentences[-1].text):
            sentences[-1] = replace(sentences[-1], heading=True)
    return sentences


def is_heading(text: str) -> bool:
    """A line without final punctuation that is short or in title case: a heading, a headline or a
    related-article link (the article's own sentences carry its events)."""
    words = re.findall(r"[A-Za-z][\w’'-]*", text)
    if text.rstrip()[-1:] in ".!?\"”":
        return False
    if len(words) <= 8:
        return True
    if len(words) <= HEADLINE_WORDS and not find_dates(text, None) and not _WEEKDAY.search(text):
        return True   # a headline in sentence case: the story's own sentences report its events
    capitalised = sum(w[0].isupper() for w in words if len(w) > 3)
    return capitalised >= 0.6 * max(1, sum(len(w) > 3 for w in words))


def is_heading_line(line: str) -> bool:
    """A section heading: a short line without a sentence stop, in capitals or opening with a summary word."""
    line = line.strip().rstrip(":")
    if not line or len(line) > 80 or line[-1] in ".!?”\"":
        return False
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and (all(c.isupper() for c in letters) or bool(SUMMARY_HEADING.match(line)))


def _add(out: list[Sentence], clean: str, start: int, end: int, paragraph: int) -> None:
    while start < end and clean[start].isspace():
        start += 1
    while end > start and clean[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:   # a table or list dump without stops: cut at a break or a space
        window = clean[start:start + MAX_SENTENCE_CHARS]
        cut = max(window.rfind(";"), window.rfind("\n"), window.rfind(" "))
        cut = start + (cut + 1 if cut > 0 else MAX_SENTENCE_CHARS)
        _add(out, clean, start, cut, paragraph)
        start = cut
        while start < end and clean[start].isspace():
            start += 1
    if end > start:
        out.append(Sentence(start, end, clean[start:end], paragraph))

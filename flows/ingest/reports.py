"""Read narrative reports (.txt, .md, .html, .pdf) into one decoded text; offsets of events point into it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from flows.ingest.errors import UnreadableSource

MIN_PDF_CHARS_PER_PAGE = 40   # below this a PDF has no usable text layer (a scan)


@dataclass
class ReportDoc:
    source: str               # inbox-relative path: the name stored in sources.path and mentions.source
    sha256: str
    format: str               # txt|md|html|pdf
    text: str                 # the text the extractor reads; char_start/char_end index into it
    meta: dict = field(default_factory=dict)   # title, publisher, url, coverage_year from REPORT.meta.yaml


def read_report(path: Path, source: str | None = None, sha256: str = "") -> ReportDoc:
    """Read one report; raise UnreadableSource with a reason for a file that has no usable text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise UnreadableSource("unsupported_format", f"no report reader for '{suffix}' files")
    fmt, reader = _READERS[suffix]
    text = reader(path)
    if not text.strip():
        raise UnreadableSource("empty_text", "the file contains no text")
    return ReportDoc(source or path.name, sha256, fmt, text, read_sidecar_meta(path))


def read_sidecar_meta(path: Path) -> dict:
    """REPORT.meta.yaml next to REPORT.ext: title, publisher, url, coverage_year (all optional)."""
    for candidate in (path.with_name(path.stem + ".meta.yaml"), path.with_name(path.name + ".meta.yaml")):
        if candidate.is_file():
            try:
                meta = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise UnreadableSource("bad_sidecar", f"{candidate.name} is not valid YAML: {exc}") from exc
            if not isinstance(meta, dict):
                raise UnreadableSource("bad_sidecar", f"{candidate.name} must be a mapping")
            return meta
    return {}


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16 with its byte-order mark (Windows "Unicode")
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableSource("bad_encoding", f"not valid UTF-16 at byte {exc.start}") from exc
    if b"\x00" in raw[:4096]:
        raise UnreadableSource("binary_file", "the file holds binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableSource("bad_encoding", f"not valid UTF-8 at byte {exc.start}") from exc


def _read_text(path: Path) -> str:
    return _decode(path.read_bytes()).replace("\r\n", "\n")


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\n)\s{0,3}(#{1,6}\s+|>\s?)|(\*\*|__|`)")


def _read_markdown(path: Path) -> str:
    """Markdown to plain text: links keep their words, emphasis and heading marks go."""
    text = _read_text(path)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_MARKS.sub(lambda m: m.group(1) or "", text)


_BLOCK_TAGS = "p div li h1 h2 h3 h4 h5 h6 br tr section article blockquote".split()


def _read_html(path: Path) -> str:
    """Visible text of an HTML page, one block element per paragraph; scripts and styles dropped."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(_decode(path.read_bytes()))
    for node in tree.css("script, style, noscript, template, nav, footer, header"):
        node.decompose()
    for tag in _BLOCK_TAGS:
        for node in tree.css(tag):
            node.insert_after("\n\n")
    body = tree.body or tree.root
    text = body.text(separator="", strip=False) if body else ""
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _read_pdf(path: Path) -> str:
    """The text layer of a PDF, pages separated by blank lines; a scan without text is rejected."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise UnreadableSource("unreadable_pdf", f"PDF could not be parsed: {exc}") from exc
    chars = sum(len(p.strip()) for p in pages)
    if not pages or chars < MIN_PDF_CHARS_PER_PAGE * len(pages):
        raise UnreadableSource(
            "no_text_layer", f"PDF has {len(pages)} page(s) but only {chars} characters of text: a scan needs OCR"
        )
    # Words hyphenated across a line break ("detain-\ned") are joined so that they can be read as words.
    return _PDF_HYPHEN_BREAK.sub(r"\1\2", "\n\n".join(p.strip() for p in pages))


_PDF_HYPHEN_BREAK = re.compile(r"([a-z])-[ \t]*\n[ \t]*([a-z])")


_READERS = {".txt": ("txt", _read_text), ".md": ("md", _read_markdown), ".markdown": ("md", _read_markdown),
            ".html": ("html", _read_html), ".htm": ("html", _read_html), ".pdf": ("pdf", _read_pdf)}
REPORT_SUFFIXES = frozenset(_READERS)
REPORT_FORMATS = frozenset(fmt for fmt, _ in _READERS.values())

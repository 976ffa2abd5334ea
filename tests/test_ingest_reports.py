"""Reading reports and discovering inbox files."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest.discover import discover, split_by_state
from flows.ingest.errors import UnreadableSource
from flows.ingest.reports import read_report


def test_discover_hashes_files_and_skips_sidecars(tmp_path: Path):
    (tmp_path / "a.txt").write_text("In May, police detained five activists in Almaty.")
    (tmp_path / "a.meta.yaml").write_text("coverage_year: 2016\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# Title\nText.")
    (tmp_path / ".hidden").write_text("x")
    files = discover(tmp_path)
    assert [f.relpath for f in files] == [f"{tmp_path.name}/a.txt", f"{tmp_path.name}/sub/b.md"]
    assert all(len(f.sha256) == 64 for f in files)


def test_split_by_state_uses_content_hash(tmp_path: Path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    (tmp_path / "c.txt").write_text("three")
    files = {f.relpath.split("/", 1)[1]: f for f in discover(tmp_path)}
    known = {files["b.txt"].relpath: "stale", files["c.txt"].relpath: files["c.txt"].sha256}
    new, changed, unchanged, duplicates = split_by_state(list(files.values()), known)
    assert [f.relpath for f in new] == [files["a.txt"].relpath]
    assert [f.relpath for f in changed] == [files["b.txt"].relpath]
    assert [f.relpath for f in unchanged] == [files["c.txt"].relpath]
    assert duplicates == {}


def test_text_report_keeps_text_verbatim_and_reads_sidecar(tmp_path: Path):
    text = "Protesters gathered in Oral on 3 March.\r\nPolice detained 12 of them."
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode("utf-8"))
    (tmp_path / "r.meta.yaml").write_text("title: Test report\ncoverage_year: 2019\n")
    doc = read_report(path, "r.txt", "abc")
    assert doc.text == text.replace("\r\n", "\n")
    assert doc.meta == {"title": "Test report", "coverage_year": 2019}
    assert doc.format == "txt"


def test_markdown_links_keep_their_words(tmp_path: Path):
    path = tmp_path / "r.md"
    path.write_text("## Events\n\nPolice **detained** [five activists](https://example.org/x) in Almaty.\n")
    doc = read_report(path)
    assert "Police detained five activists in Almaty." in doc.text
    assert "https://" not in doc.text


def test_html_report_drops_scripts_and_keeps_paragraphs(tmp_path: Path):
    path = tmp_path / "r.html"
    path.write_text(
        "<html><head><style>p{}</style><script>var x = 'detained';</script></head><body>"
        "<nav>Home</nav><p>In May, 55 reporters were detained.</p><p>Most were released.</p></body></html>"
    )
    doc = read_report(path)
    assert "In May, 55 reporters were detained." in doc.text
    assert "var x" not in doc.text and "Home" not in doc.text
    assert doc.text.index("Most were released.") > doc.text.index("detained.")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.txt", b"\xfa\xfb\xfcabc not utf-8", "bad_encoding"),
        ("empty.md", b"   \n", "empty_text"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary_file"),
        ("scan.pdf", b"%PDF-1.4 not really a pdf", "unreadable_pdf"),
        ("data.docx", b"PK\x03\x04", "unsupported_format"),
    ],
)
def test_unreadable_reports_raise_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableSource) as err:
        read_report(path)
    assert err.value.reason == reason


def test_pdf_without_text_layer_is_rejected_as_a_scan(tmp_path: Path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as f:
        writer.write(f)
    with pytest.raises(UnreadableSource) as err:
        read_report(path)
    assert err.value.reason == "no_text_layer"


def test_sources_are_named_by_inbox_and_sidecars_are_part_of_the_content(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / ".git").mkdir(parents=True)
    (inbox / ".git" / "config").write_text("[core]")
    (inbox / "r.txt").write_text("In May, police detained five activists.")
    before = discover(inbox)
    assert [f.relpath for f in before] == ["inbox/r.txt"]          # hidden folders are not sources
    (inbox / "r.meta.yaml").write_text("coverage_year: 2020\n")
    after = discover(inbox)
    assert after[0].sha256 != before[0].sha256                      # a new or edited sidecar changes the source


def test_the_same_content_under_two_names_is_one_source(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (inbox / name).write_text("same words" if name != "c.txt" else "other words")
    files = {f.relpath: f for f in discover(inbox)}
    new, changed, unchanged, duplicates = split_by_state(list(files.values()), {})
    assert [f.relpath for f in new] == ["inbox/a.txt", "inbox/c.txt"]
    assert {f.relpath: o for f, o in duplicates.items()} == {"inbox/b.txt": "inbox/a.txt"}
    # a file whose content is stored under another name is a duplicate of that one
    stored = {"old/x.txt": files["inbox/a.txt"].sha256}
    new, changed, unchanged, duplicates = split_by_state([files["inbox/a.txt"]], stored)
    assert (new, {f.relpath: o for f, o in duplicates.items()}) == ([], {"inbox/a.txt": "old/x.txt"})


def test_utf16_reports_with_a_byte_order_mark_are_read(tmp_path: Path):
    path = tmp_path / "r.txt"
    path.write_bytes("In May, police detained five activists in Oral.".encode("utf-16"))
    assert read_report(path).text == "In May, police detained five activists in Oral."

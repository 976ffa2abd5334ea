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
    assert [f.relpath for f in files] == ["a.txt", "sub/b.md"]
    assert all(len(f.sha256) == 64 for f in files)


def test_split_by_state_uses_content_hash(tmp_path: Path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    (tmp_path / "c.txt").write_text("three")
    files = {f.relpath: f for f in discover(tmp_path)}
    new, changed, unchanged = split_by_state(list(files.values()), {"b.txt": "stale", "c.txt": files["c.txt"].sha256})
    assert [f.relpath for f in new] == ["a.txt"]
    assert [f.relpath for f in changed] == ["b.txt"]
    assert [f.relpath for f in unchanged] == ["c.txt"]


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
        ("bad.txt", b"\xff\xfe\xfaabc not utf-8", "bad_encoding"),
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

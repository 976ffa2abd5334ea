"""The format registry: a file's head is read once to sniff it, rows stream from plain, .csv.gz and GDELT's
.zip files alike, and a file cut inside a quoted field is split only between records."""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from flows.ingest.datasets import iter_dataset, read_dataset, sniff, sniff_dataset
from flows.ingest.datasets import table as table_module
from flows.ingest.datasets.registry import FORMATS
from flows.ingest.datasets.table import iter_chunks
from flows.ingest.errors import UnreadableSource

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"


def test_every_format_has_a_module_and_a_yaml_file():
    from flows.ingest.datasets.spec import SOURCES_DIR

    assert set(FORMATS) == {"acled", "gdelt", "mass_mobilization", "mapped_csv"}
    for name in FORMATS:
        assert name == "mapped_csv" or (SOURCES_DIR / f"{name}.yaml").is_file()


@pytest.mark.parametrize("name", ["acled_kz.csv", "gdelt_kz.export.CSV", "mass_mobilization_kz.csv"])
@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_compressed_files_read_like_the_plain_ones(tmp_path: Path, name: str, packing: str):
    plain = read_dataset(FIXTURES / name, name, "sha")
    packed = tmp_path / f"{name}.{packing}"
    if packing == "gz":
        with gzip.open(packed, "wb") as f:
            f.write((FIXTURES / name).read_bytes())
    else:
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(FIXTURES / name, name)
    assert sniff_dataset(packed) == plain.format
    got = read_dataset(packed, name, "sha")
    assert got.records_total == plain.records_total
    assert got.mentions.equals(plain.mentions)
    assert got.rejects.equals(plain.rejects)


def test_a_zip_of_several_files_is_refused_with_the_reason(tmp_path: Path):
    packed = tmp_path / "two.zip"
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("a.csv", "x")
        z.writestr("b.csv", "y")
    with pytest.raises(UnreadableSource) as err:
        sniff(packed)
    assert err.value.reason == "bad_archive" and "2 files" in err.value.detail


def test_the_head_is_read_once_to_sniff_and_the_file_once_to_stream(tmp_path: Path, monkeypatch):
    path = tmp_path / "acled.csv"
    shutil.copy(FIXTURES / "acled_kz.csv", path)
    opened = []
    real = table_module.open_stream

    def counting(p):
        opened.append(Path(p).name)
        return real(p)

    monkeypatch.setattr(table_module, "open_stream", counting)
    batches = list(iter_dataset(path, "acled.csv", "sha", batch_rows=4))
    assert len(batches) > 1
    assert opened == ["acled.csv", "acled.csv"]        # one head read (sniff), one streaming read


def test_chunks_end_between_records_never_inside_quotes():
    rows = [b'1,"a\nb",x\n', b'2,"say ""hi""\n",y\n', b"3,plain,z\n"] * 50
    data = b"".join(rows)
    chunks = list(iter_chunks(io.BytesIO(data), b'"', 7))
    assert b"".join(chunks) == data
    for chunk in chunks:
        assert chunk.count(b'"') % 2 == 0 and chunk.endswith(b"\n")

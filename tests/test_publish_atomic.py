from flows.publish.atomic import write_if_changed


def test_write_if_changed_writes_once_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "page.html"
    assert write_if_changed(target, "<p>one</p>") is True
    first_mtime = target.stat().st_mtime_ns
    assert write_if_changed(target, "<p>one</p>") is False
    assert target.stat().st_mtime_ns == first_mtime
    assert write_if_changed(target, b"<p>two</p>") is True
    assert target.read_text() == "<p>two</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["page.html"]

"""Chunked input reading and partitioning (pure, no Dask)."""

from __future__ import annotations

import pytest

from smtpdoctor.scale.options import BadScaleOption, ScaleOptions
from smtpdoctor.scale.partition import MAX_LINE_BYTES, BadInputFile, cut, read_lines
from smtpdoctor.scale.runner import share


def test_lines_streamed_with_numbers_comments_and_bad_lines(tmp_path):
    f = tmp_path / "in.txt"
    f.write_bytes(b"\xef\xbb\xbfa.test\n# comment\n\nb.test  # why\n" + b"x" * (MAX_LINE_BYTES + 5) + b"\n"
                  + b"\xff\n" + b"c.test")
    got = [(line.number, line.text, line.error) for line in read_lines(str(f))]
    assert got == [(1, "a.test", None), (4, "b.test", None), (5, "", "a line over 64 KB"),
                   (6, "", "not UTF-8 text"), (7, "c.test", None)]


def test_unreadable_files_are_one_error(tmp_path):
    with pytest.raises(BadInputFile, match="no such file"):
        list(read_lines(str(tmp_path / "missing")))
    with pytest.raises(BadInputFile, match="is a directory"):
        list(read_lines(str(tmp_path)))
    (tmp_path / "bin").write_bytes(b"\x00\x01\x02")
    with pytest.raises(BadInputFile, match="binary"):
        list(read_lines(str(tmp_path / "bin")))


def test_cut_keeps_order_and_sizes():
    parts = list(cut(iter(range(10)), 4))
    assert [(p.index, p.items) for p in parts] == [(0, (0, 1, 2, 3)), (1, (4, 5, 6, 7)), (2, (8, 9))]


def test_options():
    assert not ScaleOptions().wanted
    assert ScaleOptions(workers=2).distributed
    assert ScaleOptions(output=None, cluster="tcp://10.0.0.1:8786").distributed
    with pytest.raises(BadScaleOption):
        ScaleOptions(cluster="tcp://host")


def test_global_budget_shared_among_workers():
    assert share(512, 2) == 256
    assert share(10, 4) == 2
    assert share(1, 8) == 1

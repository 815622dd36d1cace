"""The one bounded reader (issue 21): the limit holds for files, devices, pipes and stdin."""

from __future__ import annotations

import io
import os

import pytest

from smtpdoctor.core.inputs import InputError, is_binary, read_head, read_input, read_limited, read_text


class Counting(io.RawIOBase):
    """A raw stream over a real file that counts the bytes handed out."""

    def __init__(self, fh) -> None:
        self.fh, self.count = fh, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.count += len(data)
        return data


def test_a_device_that_claims_size_zero_is_read_only_to_the_limit():
    with open("/dev/zero", "rb", buffering=0) as fh:
        assert os.fstat(fh.fileno()).st_size == 0
        counting = Counting(fh)
        with pytest.raises(InputError, match="/dev/zero: larger than 1 KB"):
            read_limited(counting, 1024, "/dev/zero")
        assert counting.count == 1025  # the limit plus one byte, no more


def test_a_pipe_is_read_only_to_the_limit():
    r, w = os.pipe()
    with os.fdopen(w, "wb") as writer:
        writer.write(b"x" * 5000)
    with os.fdopen(r, "rb") as reader:
        data, more = read_head(reader, 4096, "pipe")
        assert (len(data), more) == (4096, True)
        assert len(reader.read()) == 5000 - 4097


def test_within_the_limit_everything_is_read():
    assert read_limited(io.BytesIO(b"abc"), 3, "x") == b"abc"
    assert read_head(io.BytesIO(b"abc"), 3, "x") == (b"abc", False)


@pytest.mark.parametrize("content, message", [
    (b"", "empty, not a message"), (b"  \n", "empty, not a message"),
    (b"\x00\x01\x02binary", "a binary file, not a message"),
])
def test_empty_and_binary_inputs_are_refused_with_one_line(tmp_path, content, message):
    path = tmp_path / "in.eml"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_input(str(path), max_bytes=100, what="a message")
    assert str(caught.value) == f"{path}: {message}"


def test_missing_directory_and_not_utf8(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(str(tmp_path / "nope"), max_bytes=10, what="a list")
    with pytest.raises(InputError, match="is a directory"):
        read_text(str(tmp_path), max_bytes=10, what="a list")
    (tmp_path / "latin1").write_bytes(b"caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_text(str(tmp_path / "latin1"), max_bytes=10, what="a list")


def test_stdin_is_named_and_bounded():
    with pytest.raises(InputError, match="standard input: larger than 10 bytes"):
        read_text("-", max_bytes=10, what="a list", stdin=io.BytesIO(b"a" * 11))
    assert read_text("-", max_bytes=10, what="a list", stdin=io.BytesIO(b"\xef\xbb\xbfa\n")) == ("standard input", "a\n")


def test_binary_means_a_nul_or_many_control_bytes():
    assert is_binary(b"abc\x00")
    assert is_binary(b"\x01\x02\x03" + b"a" * 10)
    assert not is_binary(b"Subject: hi\r\n\tfolded\x1b[0m\n")

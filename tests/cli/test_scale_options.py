"""The bulk options of the list commands (blacklist, domain): --column needs --file; --column and --summary
are read in-process only; the same check, the same one line and exit 2, for both commands."""

from __future__ import annotations

import sys

import pytest

from smtpdoctor.cli.app import main
from smtpdoctor.cli.common import UsageError
from smtpdoctor.cli.scale_options import list_scale_options
from smtpdoctor.report.formats import OutputFormat

NONE = (None, None, None, None)


def test_no_bulk_option_is_an_in_process_run(tmp_path):
    assert list_scale_options(NONE, OutputFormat.text, quiet=False, file=None, column=None, summary=True) is None
    options = list_scale_options((None, None, tmp_path / "out.parquet", None), OutputFormat.text, quiet=True,
                                 file="list.txt", column=None, summary=False)
    assert options.wanted and options.output == tmp_path / "out.parquet" and options.progress is False


@pytest.mark.parametrize("scale, file, column, summary, words", [
    (NONE, None, "ip", False, "--column goes with --file FILE.csv"),
    (NONE, "", "ip", False, "--column goes with --file FILE.csv"),
    ((2, None, None, None), "list.csv", "ip", False, "--column and --summary work in-process only"),
    ((2, None, None, None), "list.csv", None, True, "--column and --summary work in-process only"),
])
def test_refused(scale, file, column, summary, words):
    with pytest.raises(UsageError) as info:
        list_scale_options(scale, OutputFormat.json, quiet=False, file=file, column=column, summary=summary)
    assert words in str(info.value)


@pytest.mark.parametrize("command, value", [("blacklist", "192.0.2.1"), ("domain", "example.com")])
@pytest.mark.parametrize("extra, words", [
    (["--column", "x"], "--column goes with --file FILE.csv"),
    (["--file", "LIST", "--column", "x", "--output", "OUT"], "--column and --summary work in-process only"),
    (["--file", "LIST", "--summary", "--output", "OUT"], "--column and --summary work in-process only"),
])
def test_both_commands_say_the_same(command, value, extra, words, tmp_path, monkeypatch, capsys):
    listing = tmp_path / "list.csv"
    listing.write_text(f"x\n{value}\n")
    extra = [str(listing) if a == "LIST" else str(tmp_path / "out.parquet") if a == "OUT" else a for a in extra]
    argv = [command, *([] if "--file" in extra else [value]), *extra, "--format", "json", "--resolver", "127.0.0.1:9"]
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    out = capsys.readouterr()
    assert info.value.code == 2 and out.out == ""
    assert words in out.err and len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err
    assert not (tmp_path / "out.parquet").exists()

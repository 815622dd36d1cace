"""A partitioned run shows the same progress bar as an in-process one on a terminal's stderr, and none when
the command was asked to be quiet (``-q``, ``--no-progress``)."""

from __future__ import annotations

import io

import pytest

from smtpdoctor.report.progress import LateBar
from smtpdoctor.scale import bulk
from smtpdoctor.scale.jobs import PartResult
from smtpdoctor.scale.options import ScaleOptions
from smtpdoctor.scale.partition import cut


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _AtOnce(LateBar):
    """The real bar, shown from the first result instead of after a second (no test waits a second)."""

    @classmethod
    def on(cls, stream, total, label):
        bar = super().on(stream, total, label)
        return None if bar is None else cls(stream, total, label, delay=0.0)


def _echo(part, settings) -> PartResult:
    return PartResult(index=part.index, lines=tuple(f'{{"n": {n}}}' for n in part.items))


@pytest.mark.parametrize("progress", [True, False])
def test_progress_on_a_terminal_unless_asked_not_to(monkeypatch, capsys, tmp_path, progress):
    monkeypatch.setattr(bulk, "LateBar", _AtOnce)
    err = _Tty()
    options = ScaleOptions(progress=progress)
    code = bulk.run_partitions("domain", _echo, cut(range(30), 10), lambda workers: None, options, err=err)
    assert code == 0
    assert capsys.readouterr().out.count('{"n": ') == 30  # the results themselves, on stdout, all of them
    if progress:
        assert "30 results" in err.getvalue()
    else:
        assert err.getvalue() == ""


def test_the_cli_passes_quiet_to_a_partitioned_run():
    from smtpdoctor.cli.scale_options import scale_options
    from smtpdoctor.report.formats import OutputFormat

    assert scale_options(2, None, None, None, OutputFormat.json).progress is True
    assert scale_options(2, None, None, None, OutputFormat.json, progress=False).progress is False

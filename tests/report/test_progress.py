"""The bulk progress bar: on a terminal only, only once a run has taken a second, with or without a known
total (a partitioned run does not know how many results are coming)."""

from __future__ import annotations

import io

from smtpdoctor.report.progress import LateBar


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_unknown_total_gets_a_bar_on_a_terminal_and_none_on_a_pipe():
    assert LateBar.on(io.StringIO(), None, "domain") is None
    assert isinstance(LateBar.on(_Tty(), None, "domain"), LateBar)


def test_an_unknown_total_counts_results_once_a_second_has_passed():
    err = _Tty()
    now = [50.0]
    bar = LateBar(err, None, "domain", clock=lambda: now[0])
    bar.advance(100)
    assert err.getvalue() == ""  # a quick run shows nothing
    now[0] += 1.5
    bar.advance(150)
    bar.close()
    shown = err.getvalue()
    assert "250 results" in shown
    assert "/" not in shown.split("results")[0]  # no "N/M": the total is not known

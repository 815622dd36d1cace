"""The text report written by hand (report/text_plain.py) is what rich writes without colour, byte for byte;
what it cannot lay out exactly it hands back to rich. Every lab scenario's report is compared too
(tests/flows/test_diagnose_lab.py)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from smtpdoctor.report import text_plain, text_rich
from smtpdoctor.report.text import render_text, report_blocks
from smtpdoctor.report.text_blocks import Box, Grid, Line
from test_text_wrap import _report  # a report with a long host, reply and URL

STYLES = ("", "bold", "dim", "bold red")
# words, runs of spaces (NBSP too), long unbroken words, the report's own marks and line breaks
ALPHABET = st.sampled_from(["a", "b", "z", "9", ".", ":", "/", "-", "é", "✔", "→", "—", "…", " ", " ", "  ",
                            "\xa0", "\n", "w" * 30, "https://example.com/a/very/long/path/" * 2])


def styled(min_size: int = 0):
    text = st.lists(ALPHABET, min_size=min_size, max_size=40).map("".join)
    return st.lists(st.tuples(text, st.sampled_from(STYLES)), min_size=1, max_size=3).map(tuple)


def grids(columns: int, gap: int):
    title = st.sampled_from([None, "The troubleshooting walk", ""]) if gap == 2 else st.none()
    short = st.tuples(st.text(alphabet="abc .✔!?–\n", max_size=12), st.sampled_from(STYLES)).map(lambda s: (s,))
    row = st.tuples(*[short] * (columns - 1), styled())
    return st.builds(lambda rows, t: Grid(rows, columns=columns, gap=gap, title=t),
                     st.lists(row, min_size=1, max_size=4), title)


BLOCKS = st.one_of(styled().map(Line), grids(2, 1), grids(3, 1), grids(3, 2),
                   st.builds(lambda title, parts: Box(title, "red", parts),
                             st.sampled_from(["smtpdoctor", "smtpdoctor — mail.example.com:587 (auto)", ""]),
                             st.lists(st.one_of(styled().map(Line), grids(2, 1)), min_size=1, max_size=4)))


@settings(max_examples=400, deadline=None)
@given(st.lists(BLOCKS, min_size=1, max_size=4), st.integers(min_value=1, max_value=140))
def test_the_hand_layout_is_riches_byte_for_byte(blocks, width):
    ours = text_plain.layout(blocks, width)
    if ours is not None:  # None: handed to rich
        assert ours == text_rich.layout(blocks, width)


def test_every_character_it_lays_out_is_one_cell_for_rich():
    assert all(cell_len(c) == 1 for c in text_plain.ONE_CELL)


def test_what_it_cannot_lay_out_exactly_goes_to_rich():
    wide = [Line((("日本語のテキスト", ""),))]  # two cells a character
    tab = [Line((("a\tb", ""),))]
    narrow = [Grid([((("2. Server connection", ""),), (("? could not test", ""),), (("text", ""),))],
                   columns=3, gap=2)]  # the marks fill 39 of 40 columns: rich narrows every column then
    for blocks in (wide, tab, narrow):
        assert text_plain.layout(blocks, 40) is None
    assert render_text(_report(), width=40) == text_rich.layout(report_blocks(_report(), width=40), 40)


def test_a_report_in_a_pipe_loads_no_rich():
    code = ("import sys; sys.path.insert(0, 'tests/report')\n"
            "from test_text_wrap import _report\n"
            "from smtpdoctor.report.text import render_text\n"
            "render_text(_report(), verbose=True, width=80)\n"
            "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_control_characters_are_shown_before_the_layout():
    report = _report()
    hostile = dataclasses.replace(report, transcript=(dataclasses.replace(report.transcript[0], text="554 \x1b[2J"),))
    assert "554 \\x1b[2J" in render_text(hostile, verbose=True, width=80)

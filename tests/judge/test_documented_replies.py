"""Accuracy on replies as the providers' own pages print them (tests/judge/documented_replies.py).

Measured like a held-out set: the whole table is classified and the agreement on category and reason is
printed; the floors are the issue's (95 % category, 90 % reason). Every reply the classifier reads
differently from the page is listed in ``MISSES`` with the reason, and the test fails when a miss appears
or disappears without the list being updated.
"""

from __future__ import annotations

import pytest

from smtpdoctor.judge.explain.reply import explain_text

from .documented_replies import DOCUMENTED

CATEGORY_FLOOR = 0.95
REASON_FLOOR = 0.90

# reply (its first 60 characters) -> (what we answer, why it differs from the page's meaning)
MISSES: dict[str, tuple[tuple[str, str], str]] = {}


def _read(reply: str) -> tuple[str, str, str | None]:
    explained = explain_text(reply)
    assert explained.kind.value == "reply", reply
    e = explained.results[0].explanation
    return str(e.category), e.reason, e.provider


def _measure() -> tuple[int, int, int, dict]:
    cat = rea = 0
    wrong = {}
    for _provider, _url, reply, category, reason in DOCUMENTED:
        got_cat, got_reason, _ = _read(reply)
        cat += got_cat == category
        rea += got_reason == reason
        if (got_cat, got_reason) != (category, reason):
            wrong[reply[:60]] = (got_cat, got_reason)
    return len(DOCUMENTED), cat, rea, wrong


def test_the_table_is_big_and_every_entry_cites_its_page():
    assert len(DOCUMENTED) >= 80
    assert all(url.startswith("https://") for _p, url, *_ in DOCUMENTED)
    assert len({reply for _p, _u, reply, *_ in DOCUMENTED}) == len(DOCUMENTED)
    providers = {p for p, *_ in DOCUMENTED}
    for needed in ("gmail", "microsoft", "yahoo", "icloud", "proton", "zoho", "gmx", "orange", "mail.ru", "yandex",
                   "comcast", "att", "godaddy", "amazon-ses", "sendgrid", "mailgun", "postmark", "brevo"):
        assert needed in providers, needed


def test_agreement_on_documented_replies_meets_the_floors(capsys):
    n, cat, rea, _ = _measure()
    with capsys.disabled():
        print(f"\ndocumented replies: {n}; category {cat / n:.1%} ({cat}/{n}), reason {rea / n:.1%} ({rea}/{n})")
    assert cat / n >= CATEGORY_FLOOR
    assert rea / n >= REASON_FLOOR


def test_every_miss_is_listed_with_its_reason():
    *_, wrong = _measure()
    listed = {k: v for k, (v, _why) in MISSES.items()}
    assert all(why for _v, why in MISSES.values())
    assert wrong == listed


_MARKS = {"gmail": ("gsmtp",), "yahoo": ("postmaster.yahooinc.com",),
          "microsoft": ("5.7.7", "5.7.5", "5.7.6", "4.7.5", "4.7.6", "5.7.139", "(S31", "RESOLVER", "STOREDRV")}


@pytest.mark.parametrize(("provider", "url", "reply"),
                         [d[:3] for d in DOCUMENTED if any(m in d[2] for m in _MARKS.get(d[0], ()))],
                         ids=lambda v: v[:40] if isinstance(v, str) else None)
def test_a_reply_with_the_providers_own_marks_names_the_provider(provider, url, reply):
    """gsmtp, Yahoo's error-code page, Microsoft's 5.7.x codes: the reply says who answered."""
    assert _read(reply)[2] == provider, url

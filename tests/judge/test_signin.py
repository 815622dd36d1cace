"""Sign-in methods with dates: the provider's rule on the day of the run decides the advice (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from smtpdoctor.core import providers
from smtpdoctor.core.catalogue import make
from smtpdoctor.core.settings import Secret, Settings
from smtpdoctor.judge import signin

OUTLOOK = providers.get("outlook-com")
M365 = providers.get("microsoft-365")
GMAIL = providers.get("gmail")


def _settings(host: str, *, token: bool = False) -> Settings:
    return Settings(host=host, user="me@example.com",
                    **({"oauth_token": Secret("tok")} if token else {"password": Secret("pw")}))


def _rejected():
    return make("auth.credentials-rejected", host="h", port=587, user="u", reply="535 5.7.3 Authentication unsuccessful",
                evidence={"reply": "535 5.7.3 Authentication unsuccessful"})


def _ok():
    return make("auth.ok", host="h", port=587, user="u", reply="235 2.7.0 Authentication successful")


def test_every_preset_signin_method_is_known_and_dated_sources_are_links():
    for preset in providers.presets():
        for s in preset.signin:
            assert s.method in providers.SIGNIN_METHODS
            if s.until or s.off_by_default or not s.accepted:
                assert s.source and s.source.startswith("https://"), (preset.key, s.method)


def test_outlook_password_rejected_is_not_a_typo_but_oauth2():
    out = signin.check([_rejected()], _settings("smtp-mail.outlook.com"), OUTLOOK, today=dt.date(2026, 12, 6))
    assert [f.id for f in out] == ["auth.password-not-accepted"]
    f = out[0]
    assert "since 2024-09-16" in f.title and any("OAuth2" in r for r in f.remedy)
    assert not any("re-type" in r.lower() for r in f.remedy)
    assert f.evidence["reply"].startswith("535")


def test_before_the_cut_off_outlook_passwords_were_fine():
    out = signin.check([_rejected()], _settings("smtp-mail.outlook.com"), OUTLOOK, today=dt.date(2024, 9, 15))
    assert [f.id for f in out] == ["auth.credentials-rejected"]


def test_an_accepted_login_is_never_contradicted():
    out = signin.check([_ok()], _settings("smtp-mail.outlook.com"), OUTLOOK, today=dt.date(2026, 12, 6))
    assert [f.id for f in out] == ["auth.ok"]


def test_not_yet_tried_is_a_prediction_from_the_settings():
    out = signin.check([], _settings("smtp-mail.outlook.com"), OUTLOOK, today=dt.date(2026, 12, 6))
    assert [f.id for f in out] == ["auth.password-not-accepted"]
    assert out[0].evidence["source"] == "settings"


def test_a_token_is_what_the_provider_wants():
    assert signin.check([], _settings("smtp-mail.outlook.com", token=True), OUTLOOK, today=dt.date(2026, 12, 6)) == []


@pytest.mark.parametrize("today, expect", [
    (dt.date(2026, 6, 1), ["auth.ok"]),                              # far from the change
    (dt.date(2026, 12, 6), ["auth.ok", "auth.password-retiring"]),   # 25 days before it
    (dt.date(2027, 2, 1), ["auth.ok", "auth.password-retiring"]),    # after it: an admin's exception
])
def test_microsoft_365_password_retiring(today, expect):
    out = signin.check([_ok()], _settings("smtp.office365.com"), M365, today=today)
    assert [f.id for f in out] == expect
    if len(out) == 2:
        assert out[1].evidence["date"] == "2026-12-31"


def test_a_provider_that_takes_app_passwords_is_left_to_the_reply():
    # Gmail refuses account passwords but takes app passwords: a password alone says nothing.
    out = signin.check([_rejected()], _settings("smtp.gmail.com"), GMAIL, today=dt.date(2026, 12, 6))
    assert [f.id for f in out] == ["auth.credentials-rejected"]


@pytest.mark.parametrize("host, key", [
    ("smtp.aol.com", "aol"), ("mail.gmx.net", "gmx"), ("smtp.web.de", "web-de"), ("smtp.mail.ru", "mail-ru"),
    ("smtp.yandex.ru", "yandex"), ("smtp.orange.fr", "orange"), ("smtp.laposte.net", "la-poste"),
    ("smtp.comcast.net", "comcast"), ("outbound.att.net", "att"), ("securesmtp.t-online.de", "t-online"),
    ("smtp.free.fr", "free"), ("smtp.zoho.jp", "zoho"), ("smtppro.zohocloud.ca", "zoho"),
])
def test_new_presets_match_their_hosts(host, key):
    assert providers.match(host).key == key

"""One name kernel: the same input is the same query name in every command and on the web page."""

from smtpdoctor.core import names
from smtpdoctor.core.dnsbl_targets import parse_target


def test_fass_de_is_one_name_in_every_reader():
    expected = "xn--fa-hia.de"  # IDNA 2008 + UTS #46; IDNA 2003 would say fass.de, another domain
    assert names.normalise_domain("faß.de").name == expected  # domain (CLI, web form, API)
    assert names.dns_name("faß.de") == expected  # spf (CLI and API)
    assert names.host_name("faß.de") == expected  # diagnose host (CLI, web form, API)
    assert parse_target("faß.de")[0].value == expected  # blacklist
    assert names.check_address("info@faß.de").domain == expected  # --from / --to
    assert names.envelope_path("info@faß.de", smtputf8_offered=False)[0] == f"<info@{expected}>"


def test_what_is_not_a_name_is_one_clear_error():
    for reader in (names.dns_name, names.host_name, lambda t: names.normalise_domain(t).name):
        try:
            reader("faß..de")
        except names.BadName as exc:
            assert "\n" not in str(exc)
        else:
            raise AssertionError(reader)


def test_a_line_break_at_a_labels_end_is_not_a_name():
    """A label check anchored with ``$`` also matched before a final newline: ``mail\\n.example.com`` passed
    as a host name into the settings (and from there into an SMTP session's target)."""
    from smtpdoctor.core.settings import Settings

    for text in ("mail\n.example.com", "mail.example.com\n", "mail.example\n.com"):
        assert not names.is_host_name(text), text
    for text in ("mail\n.example.com", "mail.example\n.com"):  # (blanks around a value are trimmed first)
        errors = Settings.parse({"host": text, "port": "587"})
        assert isinstance(errors, dict) and "not a valid host name" in errors["host"], text
    assert names.is_host_name("mail.example.com")


def test_one_label_rule_and_no_letters_that_only_fold_to_ascii():
    """names, dnsbl_targets and name_text share name_text.ldh_label; a case-blind pattern used to take the
    Kelvin sign and the long s (which fold to k and s) as host-name letters."""
    from smtpdoctor.core import dnsbl_targets, name_text

    assert names.ldh_label is name_text.ldh_label
    assert not names.is_host_name("\u212aelvin.example.com") and not names.is_host_name("ho\u017ft.example.com")
    assert names.is_host_name("Mail-1.Example.COM") and not names.is_host_name("mail_1.example.com")
    assert names.host_name("mail_1.example.com") == "mail_1.example.com"
    assert [t.value for t in dnsbl_targets.parse_target("_dmarc.example.com")] == ["_dmarc.example.com"]

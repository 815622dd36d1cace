import pytest

from smtpdoctor.core.names import BadDomain, normalise_domain, parent_names


@pytest.mark.parametrize("text, name", [
    ("example.com", "example.com"),
    ("Example.COM.", "example.com"),
    ("  mail.example.com  ", "mail.example.com"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("BÜCHER.de", "xn--bcher-kva.de"),
])
def test_normalises_case_dot_and_idn(text, name):
    assert normalise_domain(text).name == name


def test_records_what_changed():
    nd = normalise_domain("Bücher.DE.")
    assert nd.unicode == "bücher.de"
    assert "removed the trailing dot" in nd.changes
    assert any("xn--bcher-kva.de" in c for c in nd.changes)


@pytest.mark.parametrize("text, words", [
    ("a" * 60 + "." + ("b" * 60 + ".") * 4 + "com", "the limit is 253"),
    ("x" * 64 + ".com", "the limit is 63"),
    ("user@example.com", "e-mail address"),
    ("192.0.2.1", "IP address"),
    ("https://example.com/", "not a domain name"),
    ("localhost", "single label"),
    ("a..b.com", "empty label"),
    ("exa mple.com", "letters, digits"),
    ("-bad.com", "letters, digits"),
    ("", "empty"),
])
def test_rejects_with_one_clear_line(text, words):
    with pytest.raises(BadDomain) as info:
        normalise_domain(text)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_300_character_name_is_rejected_with_its_length():
    with pytest.raises(BadDomain, match="300 characters"):
        normalise_domain(("a" * 49 + ".") * 5 + "b" * 50)  # 300 characters


def test_parent_names():
    assert parent_names("a.b.example.com") == ("a.b.example.com", "b.example.com", "example.com", "com")

from smtpdoctor.protocol.tags import parse_tags


def test_parses_pairs_in_order_and_trailing_semicolon():
    tags = parse_tags("v=DMARC1; p=reject; rua=mailto:a@b.c;")
    assert tags.tags == (("v", "DMARC1"), ("p", "reject"), ("rua", "mailto:a@b.c"))
    assert tags.problems == ()


def test_reports_position_of_broken_elements():
    tags = parse_tags("v=DKIM1; garbage; 9x=1; ; p=abc")
    assert "element 2 'garbage' is not name=value" in tags.problems
    assert any("element 3" in p and "invalid tag name" in p for p in tags.problems)
    assert "empty element at position 4" in tags.problems
    assert tags.get("p") == "abc"


def test_duplicates():
    assert parse_tags("p=a; p=b").duplicates() == ("p",)

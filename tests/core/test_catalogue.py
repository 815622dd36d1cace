import re

import pytest

from smtpdoctor.core.catalogue import UnknownFinding, catalogue, make
from smtpdoctor.core.model import Category, Severity, Step

ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$")


def test_every_entry_is_well_formed():
    cat = catalogue()
    assert len(cat) > 20
    for fid, spec in cat.items():
        assert ID.match(fid), fid
        assert isinstance(spec.category, Category) and isinstance(spec.severity, Severity)
        assert isinstance(spec.step, Step)
        assert spec.title.strip(), fid
        if spec.severity in (Severity.ERROR, Severity.WARNING):
            assert spec.remedy, f"{fid} is a problem without a remedy"


def test_make_fills_templates_and_keeps_unknown_placeholders_visible():
    f = make("port.wrong-port", host="smtp.example.com", port=2526, working_port=587, working_security="STARTTLS")
    assert f.title == "Port 2526 does not work on smtp.example.com, but port 587 does (STARTTLS)."
    assert "{failure}" in f.detail  # a missing parameter shows, it does not crash
    assert f.evidence["port"] == 2526


def test_unknown_id_is_an_error():
    with pytest.raises(UnknownFinding):
        make("no.such-finding")


def test_docs_catalogue_is_generated_from_the_code():
    from pathlib import Path

    from smtpdoctor.core.catalogue import catalogue_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "findings.md"
    assert doc.read_text(encoding="utf-8") == catalogue_markdown() + "\n", \
        "docs/findings.md is stale: run  python -m smtpdoctor.core.catalogue > docs/findings.md"


def test_a_finding_is_read_from_its_own_file_without_parsing_the_others():
    import subprocess
    import sys

    code = ("import tomllib\n"
            "parses = []\n_loads = tomllib.loads\n"
            "tomllib.loads = lambda *a, **k: (parses.append(1), _loads(*a, **k))[1]\n"
            "from smtpdoctor.core import catalogue\n"
            "assert catalogue.spec('auth.failed').area == 'auth'\n"
            "assert catalogue.spec('mta-sts.missing').area == 'mta_sts'\n"
            "assert catalogue.area_of('envelope.recipient-unknown') == 'envelope'\n"
            "print(len(parses))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3"  # auth.toml, mta_sts.toml, envelope.toml: not all the files


def test_an_id_outside_the_file_its_prefix_names_is_still_found():
    from smtpdoctor.core.catalogue import area_of, spec

    # session.toml holds client.* and connection.* findings
    assert spec("client.smtputf8-not-offered").area == "session"
    assert area_of("client.smtputf8-not-offered") == "session"
    assert area_of("nosuch.finding") == "nosuch"
    with pytest.raises(UnknownFinding):
        spec("client.nosuch")

"""core/lazy_names: a module's names defined elsewhere, loaded on first use, with the real error kept."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from smtpdoctor.core.lazy_names import lazy_names

# Every module that offers names it loads on first use, and one such name of each.
HOOKED = {
    "smtpdoctor": "Report",
    "smtpdoctor.core.model": "Report",
    "smtpdoctor.core.observations": "TlsFacts",
    "smtpdoctor.core.providers": "Preset",
    "smtpdoctor.core.dnsbl_zones": "decode",
    "smtpdoctor.observe.facts": "AuthObservation",
    "smtpdoctor.flows.blacklist": "TargetLine",
    "smtpdoctor.flows.domain": "DomainAudit",
}


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A package ``toy`` whose module ``front`` offers ``Good`` (from .good) and ``Broken`` (from .broken,
    which raises AttributeError while it loads, as a module whose own import of a moved name fails)."""
    pkg = tmp_path / "toy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "front.py").write_text(textwrap.dedent("""
        from smtpdoctor.core.lazy_names import lazy_names
        __getattr__ = lazy_names(globals(), {"Good": ".good", "Broken": ".broken", "Gone": ".good"})
    """))
    (pkg / "good.py").write_text("Good = 'good'\n")
    (pkg / "broken.py").write_text("import math\nPI = math.no_such_constant\nBroken = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("toy.front")
    for name in [n for n in sys.modules if n == "toy" or n.startswith("toy.")]:
        del sys.modules[name]


def test_an_attribute_error_while_loading_names_the_module_and_keeps_the_cause(toy):
    with pytest.raises(ImportError) as caught:
        from toy.front import Broken  # noqa: F401
    message = str(caught.value)
    assert "loading toy.broken.Broken" in message
    assert "no_such_constant" in message
    assert isinstance(caught.value.__cause__, AttributeError)
    assert "no_such_constant" in str(caught.value.__cause__)


def test_a_name_the_table_holds_loads_once_and_stays(toy):
    from toy.front import Good

    assert Good == "good"
    assert vars(toy)["Good"] == "good"  # stored: the hook is not asked again


def test_a_name_the_other_module_lacks_is_an_import_error_naming_it(toy):
    with pytest.raises(ImportError, match=r"loading toy\.good\.Gone: .*Gone"):
        toy.Gone


def test_an_unknown_name_is_still_an_attribute_error(toy):
    assert not hasattr(toy, "Nothing")
    assert getattr(toy, "Nothing", 7) == 7
    with pytest.raises(AttributeError, match=r"module 'toy\.front' has no attribute 'Nothing'"):
        toy.Nothing


@pytest.mark.parametrize("module, name", sorted(HOOKED.items()))
def test_every_lazy_hook_is_the_shared_one(module, name):
    mod = importlib.import_module(module)
    assert mod.__getattr__.__module__ == lazy_names.__module__
    assert getattr(mod, name) is not None
    assert not hasattr(mod, "no_such_name_here")


def test_no_other_module_writes_its_own_lazy_hook():
    import pathlib

    import smtpdoctor

    root = pathlib.Path(smtpdoctor.__file__).parent
    # net/ keeps two hooks of its own for now (its owner is changing those modules); cli/app.py's builds the
    # app rather than loading a name.
    allowed = {"net/udp_socket.py", "net/dns_wire.py", "cli/app.py"}
    own = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "\ndef __getattr__(" in p.read_text() and str(p.relative_to(root)) not in allowed)
    assert own == []

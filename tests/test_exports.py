"""Every module of the engine's floors declares what it exports (``__all__``), and every exported name exists."""

import importlib
import pkgutil

import pytest

import smtpdoctor

FLOORS = ("core", "protocol", "net", "observe", "judge", "flows", "report")


def _modules():
    for floor in FLOORS:
        package = importlib.import_module(f"smtpdoctor.{floor}")
        for info in pkgutil.walk_packages(package.__path__, prefix=f"smtpdoctor.{floor}."):
            if not info.ispkg:
                yield info.name


MODULES = sorted(_modules())


def test_the_floors_hold_modules():
    assert len(MODULES) > 60
    assert "smtpdoctor.flows.diagnose" in MODULES and "smtpdoctor.core.model" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_what_it_exports(name):
    module = importlib.import_module(name)
    assert module.__all__, name
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


def test_top_level_api_names_resolve():
    for name in smtpdoctor.__all__:
        assert getattr(smtpdoctor, name) is not None, name

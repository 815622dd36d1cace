"""Shared fixtures for the explain tests: the sisimai bounce corpus vendored in tests/data/bounces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces" / "sisimai"


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert (CORPUS / "expected.json").is_file(), f"the vendored sisimai corpus is missing at {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def expected(corpus: Path) -> dict:
    return json.loads((corpus / "expected.json").read_text(encoding="utf-8"))

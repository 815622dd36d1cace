"""Test helpers shared across the test tree (their fixtures are registered in tests/conftest.py)."""

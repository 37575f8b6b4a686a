"""Unit tests read the English catalogue; tests/unit/test_i18n.py checks the Japanese default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handson import i18n


@pytest.hookimpl(trylast=True)  # after the suite's own configure chose the run's language
def pytest_configure(config: pytest.Config) -> None:
    """Before the test modules are imported: some build their verdicts at import."""
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")

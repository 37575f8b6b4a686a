"""Unit tests read the English catalogue; tests/unit/test_i18n.py checks the Japanese default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handson import i18n


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)

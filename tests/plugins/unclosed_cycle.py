"""Test-only plugin: the first check leaves behind an object that fails to close, in a reference
cycle, as a leaked connection would be: only Python's cycle collector finds it, and pytest reports
what its ``__del__`` raises (tests/test_teardown.py)."""

from __future__ import annotations

import pytest


class _Unclosed:
    def __del__(self) -> None:
        raise RuntimeError("an object made during the checks failed to close")


_left: list[bool] = []


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if not _left:
        _left.append(True)
        unclosed = _Unclosed()
        unclosed.itself = unclosed  # type: ignore[attr-defined]

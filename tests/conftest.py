"""Fixtures of the suite's own tests: an emulator owned by the tests, and its admin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handson.aws import Principal
from handson.emulator import MotoEmulator


@pytest.fixture(scope="session")
def test_emulator() -> Iterator[MotoEmulator]:
    """One emulator for all the tests: every test uses names of its own and compares before with
    after, never with an empty emulator."""
    emulator = MotoEmulator.start("ap-northeast-1", "tests-admin")
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture(scope="session")
def test_admin(test_emulator: MotoEmulator) -> Principal:
    return test_emulator.admin

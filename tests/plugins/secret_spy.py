"""Test-only plugin: after the run, write every secret the run registered to the file named by
HANDSON_SECRET_SPY, so that a test can search the run's output for them. Never used outside
tests/ (the file lives in the test's temporary folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from handson import secrets


def pytest_unconfigure(config: pytest.Config) -> None:
    target = os.environ.get("HANDSON_SECRET_SPY")
    if target:
        Path(target).write_text(json.dumps(sorted(secrets._secrets)), "utf-8")

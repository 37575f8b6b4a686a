"""Test-only plugin: hold a run for a moment in a chosen phase, so that a test can signal it
there. HANDSON_PAUSE_AT is one of these, or several separated by commas (each held in turn):

- ``before provisioning``: every name was looked up and found free; nothing is created yet;
- ``provisioning``: the role, its policy and the instance profile exist; the instance does not;
- ``checks``: in the middle of the checks, in R3's scenario before its When step (a deny
  check of a delete);
- ``teardown``: credentials and policies are removed; the instance and the rest are not;
- ``ending``: the teardown and its leak check are done; pytest's summary is not written yet.

The plugin says where it holds, and which run it is, in the file HANDSON_PAUSE_NOTE (pytest
captures the run's own output): ``holding in <phase> of run <run ID>``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import Stage
from handson.lifecycle.provision import Provisioner
from handson.settings import SETTINGS
from handson.whole_file import write_whole

HOLD_SECONDS = 3.0
_RUN: list[str] = []


def phases() -> set[str]:
    return {phase.strip() for phase in os.environ.get("HANDSON_PAUSE_AT", "").split(",")} - {""}


def hold(phase: str) -> None:
    """Say where the run holds; hold a few seconds, or, when HANDSON_PAUSE_RELEASE names a file,
    until that file exists (at most two minutes), which it then removes for the next hold."""
    write_whole(Path(os.environ["HANDSON_PAUSE_NOTE"]), f"holding in {phase} of run {_RUN[0]}\n")
    release = os.environ.get("HANDSON_PAUSE_RELEASE")
    if not release:
        time.sleep(HOLD_SECONDS)
        return
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    Path(release).unlink(missing_ok=True)


def pytest_configure(config: pytest.Config) -> None:
    where = phases()
    if not where:
        return
    _RUN.append(config.stash[SETTINGS].names.run_id)
    if "before provisioning" in where:
        build = Provisioner.build

        def held_build(self: Provisioner) -> Any:
            hold("before provisioning")
            return build(self)

        Provisioner.build = held_build  # type: ignore[method-assign]
    if "provisioning" in where:
        original = Provisioner.create_instance_profile

        def held(self: Provisioner) -> str:
            made = original(self)
            hold("provisioning")
            return made

        Provisioner.create_instance_profile = held  # type: ignore[method-assign,assignment]
    if "teardown" in where:
        register = Cleanup.register

        def register_held(
            self: Cleanup, label: str, action: Callable[[], None], stage: Any
        ) -> None:
            def holding() -> None:
                hold("teardown")
                action()

            register(self, label, holding if stage is Stage.INSTANCE else action, stage)

        Cleanup.register = register_held  # type: ignore[method-assign]


def pytest_bdd_before_step(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any
) -> None:
    """Inside R3's scenario (or HANDSON_PAUSE_CHECKPOINT's), before its When step: the scenario
    has begun, its probe not."""
    if (
        "checks" in phases()
        and request.node.get_closest_marker(os.environ.get("HANDSON_PAUSE_CHECKPOINT", "R3"))
        and step.type == "when"
    ):
        hold("checks")


@pytest.hookimpl(trylast=True)  # after the runner's, which tears the session's fixtures down
def pytest_sessionfinish(session: pytest.Session) -> None:
    if "ending" in phases():
        hold("ending")

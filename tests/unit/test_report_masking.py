"""What pytest and allure show of a failed step holds no secret (fixtures/redaction.py): not with
``-v``'s long trace, whose frames show botocore's ``api_params``, nor with ``--showlocals``, nor in
the captured output; the allure result says the same, masked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PASSWORD = "Ab1&Cd2}Ef3xGh4!"  # the console password's symbols, & and } among them

FEATURE = """\
Feature: the build
  Scenario: the user's console password is set
    Given the user's console password is set
"""

STEPS = f"""\
from pytest_bdd import given, scenarios

from handson.secrets import register_secret

scenarios("build.feature")


def _make_api_call(operation_name, api_params):
    raise RuntimeError("An error occurred (PasswordPolicyViolation)")


@given("the user's console password is set")
def _() -> None:
    password = {PASSWORD!r}
    register_secret(password)
    print("the password is", password)
    _make_api_call("CreateLoginProfile", {{"UserName": "u", "Password": password}})
"""


def failed_step(tmp_path: Path, *plugins: str) -> tuple[str, str]:
    """A bdd scenario whose step fails with the password among its frames' arguments and locals,
    run as talkative as pytest gets: its terminal output and every allure result file's text."""
    (tmp_path / "build.feature").write_text(FEATURE, "utf-8")
    (tmp_path / "test_build.py").write_text(STEPS, "utf-8")
    results = tmp_path / "allure-results"
    options = [arg for plugin in plugins for arg in ("-p", plugin)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "test_build.py",
            *options,
            f"--alluredir={results}",
            "-v",
            "--tb=long",
            "--showlocals",
            "-rA",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # the step failed, as meant
    written = "".join(path.read_text("utf-8") for path in sorted(results.iterdir()))
    assert "-result.json" in "".join(p.name for p in results.iterdir()), "no allure result"
    return done.stdout, written


def test_a_failed_steps_trace_and_output_hold_no_secret(tmp_path: Path) -> None:
    terminal, allure = failed_step(tmp_path, "fixtures.redaction")
    for fragment in (PASSWORD, "Cd2}Ef3x", "Ef3xGh4"):
        assert fragment not in terminal and fragment not in allure, fragment
    # The trace is still there, with the frame and the error; only the secret is masked.
    assert "_make_api_call" in terminal and "PasswordPolicyViolation" in terminal
    assert "'Password': '****'" in terminal and "password   = '****'" in terminal
    assert "the password is ****" in terminal
    assert "PasswordPolicyViolation" in allure and "****" in allure


def test_without_the_masking_the_same_run_shows_the_password(tmp_path: Path) -> None:
    """The check above can fail: the same run without fixtures/redaction.py shows it."""
    terminal, allure = failed_step(tmp_path)
    assert PASSWORD in terminal and PASSWORD in allure

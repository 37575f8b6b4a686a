"""Unit tests of handson/targets/registry.py: every target is one descriptor, registered by its
own module, and the settings read it (issue 17, targets by registry)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.settings import budgets_for, resolve
from handson.targets import registry
from handson.targets.emulator import emulator_kind
from handson.waiting import AWS_BUDGETS, EMULATOR_BUDGETS

ROOT = Path(__file__).resolve().parents[2]


def test_the_built_in_targets_in_their_order() -> None:
    assert registry.names()[:3] == ("emulator", "aws", "existing")


def test_an_unknown_target_is_one_line_naming_the_choices() -> None:
    with pytest.raises(SuiteUsageError) as caught:
        resolve({"target": "nope"}, {})
    choices = ", ".join(registry.names())
    assert str(caught.value) == t("opt.target", value="'nope'", choices=choices)
    assert "emulator, aws, existing" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(KeyError):
        registry.kind_named("nope")


@pytest.mark.parametrize(
    ("cli", "decided_on", "emulated", "budgets", "instance_type"),
    [
        ({}, "emulator", True, EMULATOR_BUDGETS, "t2.micro"),
        ({"target": "aws"}, "aws", False, AWS_BUDGETS, "auto"),
        ({"target": "existing"}, "replay", True, EMULATOR_BUDGETS, "t2.micro"),
        ({"target": "existing", "live": True}, "live", False, AWS_BUDGETS, "t2.micro"),
    ],
)
def test_what_each_target_declares(
    cli: dict[str, object], decided_on: str, emulated: bool, budgets: object, instance_type: str
) -> None:
    settings = resolve(cli, {})
    assert settings.decided_on == decided_on
    assert settings.emulated is emulated
    assert settings.instance_type == instance_type
    if not settings.live:
        assert budgets_for(settings) == budgets
    assert (settings.kind.preflight is None) is (settings.target == "emulator")
    assert (settings.kind.launch is not None) is emulated
    # The report's account line when no account was read: never the emulator's for a real one.
    assert (settings.kind.account is not None) is emulated


def test_live_is_only_a_targets_that_grades_what_it_finds() -> None:
    with pytest.raises(SuiteUsageError):
        resolve({"target": "aws", "live": True}, {})
    assert registry.kind_named("existing").live is not None


def test_the_endpoint_is_an_emulator_to_attach_to_only_on_an_emulator() -> None:
    url = "http://127.0.0.1:5000"
    assert resolve({"endpoint_url": url}, {}).emulator_url == url
    assert resolve({"target": "aws", "endpoint_url": url}, {}).emulator_url is None
    assert resolve({"target": "existing", "endpoint_url": url}, {}).emulator_url is None


def test_a_registered_target_is_a_choice_and_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.names()  # the built-in ones first
    kind = replace(emulator_kind("elsewhere", account_id="210987654321"), instance_type="t3.nano")
    monkeypatch.setitem(registry._KINDS, kind.name, kind)
    monkeypatch.setitem(registry._MODULES, kind.name, __name__)
    assert registry.names()[-1] == "elsewhere"
    settings = resolve({"target": "elsewhere"}, {})
    assert settings.kind is kind and settings.decided_on == "elsewhere"
    assert settings.emulated and settings.instance_type == "t3.nano"
    assert kind.account == "210987654321"


def test_no_code_outside_the_targets_compares_a_targets_name() -> None:
    compares = re.compile(
        r"""(==|!=)\s*["'](emulator|aws|existing)["']|["'](emulator|aws|existing)["']\s*(==|!=|in\b)"""
        r"""|\.target\s*(==|!=|in\b)"""
    )
    files = [ROOT / "conftest.py"]
    for folder in ("handson", "fixtures", "steps", "scripts"):
        files += sorted((ROOT / folder).rglob("*.py"))
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if "targets" not in path.relative_to(ROOT).parts
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if compares.search(line)
    ]
    assert found == []

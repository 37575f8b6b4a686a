"""The feature files, parsed once by Gherkin's own parser, for the tests that read the spec."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from gherkin.parser import Parser

from tests.helpers.suite_runner import ROOT


@dataclass(frozen=True)
class Scenario:
    feature: str  # the feature's name
    name: str
    tags: frozenset[str]  # without the "@"
    steps: tuple[str, ...]


@cache
def scenarios() -> tuple[Scenario, ...]:
    found = []
    for path in sorted((ROOT / "features").glob("*.feature")):
        document: Any = Parser().parse(path.read_text("utf-8"))  # gherkin's dicts, untyped
        feature = document["feature"]
        for child in feature["children"]:
            scenario = child.get("scenario")
            if scenario:
                found.append(
                    Scenario(
                        feature["name"],
                        scenario["name"],
                        frozenset(t["name"].lstrip("@") for t in scenario["tags"]),
                        tuple(s["text"] for s in scenario["steps"]),
                    )
                )
    return tuple(found)

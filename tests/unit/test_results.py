"""handson.results: the categories named by name, never by their place in categories.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.findings import Finding
from handson.results import (
    CATEGORIES,
    CATEGORIES_FILE,
    Category,
    Outcome,
    ScenarioResult,
    load_categories,
)


def test_the_enum_names_every_category_of_the_file_once() -> None:
    names = [str(c["name"]) for c in json.loads(CATEGORIES_FILE.read_text("utf-8"))]
    assert sorted(names) == sorted(c.value for c in Category)
    assert len(set(names)) == len(names)
    assert [c["name"] for c in CATEGORIES] == names  # allure's order is the file's


def test_each_pattern_matches_its_own_members_marker() -> None:
    for entry in CATEGORIES:
        category = Category(str(entry["name"]))
        if "traceRegex" in entry:
            assert category.marker in str(entry["traceRegex"])
        assert "messageRegex" not in entry  # no message is worded for allure's sake


def test_reordering_the_file_changes_no_meaning(tmp_path: Path) -> None:
    reordered = tmp_path / "categories.json"
    reordered.write_text(json.dumps(list(reversed(CATEGORIES))), "utf-8")
    loaded = load_categories(reordered)
    assert [c["name"] for c in loaded] == [c["name"] for c in reversed(CATEGORIES)]
    for entry in loaded:  # each name still is the same member, with its own pattern
        assert Category(str(entry["name"])).marker in str(entry.get("traceRegex", "")) or (
            Category(str(entry["name"])) is Category.TEST_ERROR
        )
    assert Category.ALLOWED_BUT_DENIED.value == "allowed but should be denied"


@pytest.mark.parametrize(
    "change",
    [
        lambda cs: cs[1:],  # a category missing
        lambda cs: [*cs, {"name": "something new", "matchedStatuses": ["failed"]}],
        lambda cs: [{**cs[0], "traceRegex": "handson category: DENIED_BUT_ALLOWED"}, *cs[1:]],
    ],
)
def test_a_file_that_differs_from_the_enum_is_refused(change: object, tmp_path: Path) -> None:
    changed = tmp_path / "categories.json"
    changed.write_text(json.dumps(change(list(CATEGORIES))), "utf-8")  # type: ignore[operator]
    with pytest.raises(ValueError):
        load_categories(changed)


def test_outcomes_keep_the_words_of_checkpoints_json() -> None:
    assert [o.value for o in Outcome] == [
        "passed",
        "failed",
        "error",
        "skipped",
        "interrupted",
        "not run",
        "not selected",
        "precondition not met",
    ]


def test_a_scenario_result_is_its_row_in_checkpoints_json() -> None:
    result = ScenarioResult(
        "features/x.py::test_u4",
        ("U4",),
        "title",
        Outcome.FAILED,
        "whatever",
        Finding(Category.ALLOWED_BUT_DENIED, "allowed but should be denied", hint="h"),
        facts=(("decided_by", "simulator"),),
    )
    row = result.as_dict()
    assert list(row) == [
        "nodeid",
        "checkpoints",
        "title",
        "outcome",
        "reason",
        "decided_by",
        "category",
        "headline",
        "hint",
    ]
    assert row["outcome"] == "failed" and row["category"] == "allowed but should be denied"
    again = ScenarioResult.from_dict(json.loads(json.dumps(row)))
    assert again.as_dict() == row
    assert (again.outcome, again.category, again.hint) == (
        Outcome.FAILED,
        Category.ALLOWED_BUT_DENIED,
        "h",
    )
    assert ScenarioResult.from_dict({"outcome": "something new"}).outcome is Outcome.NOT_RUN

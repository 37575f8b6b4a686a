"""The before/after comparison of a hand-built environment names every difference, and only
differences."""

from __future__ import annotations

from typing import Any

from handson.snapshot import differences

BEFORE: dict[str, dict[str, Any]] = {
    "bucket handson-s3-2-taro": {"objects": [["open/a.txt", '"e1"', 3]], "policy": None},
    "user handson-iam-user": {"attached": ["arn:aws:iam::1:policy/p"], "login profile": None},
    "policy arn:aws:iam::1:policy/p": {"default": "v1", "versions": ["v1"]},
}


def test_the_same_account_has_no_difference() -> None:
    assert differences(BEFORE, {k: dict(v) for k, v in BEFORE.items()}) == []


def test_a_new_object_a_new_version_and_a_gone_user_are_each_named() -> None:
    after = {
        "bucket handson-s3-2-taro": {
            "objects": [["open/a.txt", '"e1"', 3], ["close/b.txt", '"e2"', 1]],
            "policy": None,
        },
        "policy arn:aws:iam::1:policy/p": {"default": "v2", "versions": ["v1", "v2"]},
    }
    lines = differences(BEFORE, after)
    assert lines[0].startswith("bucket handson-s3-2-taro / objects: ")
    assert "close/b.txt" in lines[0]
    assert 'policy arn:aws:iam::1:policy/p / default: "v1" -> "v2"' in lines
    gone = [line for line in lines if line.startswith("user handson-iam-user")]
    assert gone and all(line.endswith("-> (absent)") for line in gone), lines
    assert len(lines) == 5, lines

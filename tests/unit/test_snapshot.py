"""The before/after comparison of a hand-built environment names every difference, and only
differences."""

from __future__ import annotations

from typing import Any

import pytest

from handson.attempts import Watched
from handson.probes import ProbeFailed
from handson.snapshot import differences, instance_heading

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


class _Ec2:
    """describe_instances answering each state of ``states`` in turn."""

    def __init__(self, *states: str) -> None:
        self.states = list(states)

    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        state = self.states.pop(0)
        return {"Reservations": [{"Instances": [{"State": {"Name": state}}]}]}


def test_an_instance_ec2_moves_on_by_itself_is_no_change_of_a_probe() -> None:
    """U3 and U4 watch the instance around dry-run probes: a learner's instance still pending,
    then running, read as the probe's change, a wrong allow (verdict rule 5). What it is on its
    way to is what is compared; stopping where it ran is a change still."""
    ec2 = _Ec2("pending", "running", "stopping", "stopped", "running", "stopping")
    watched = Watched.now("handson-instance", lambda: instance_heading(ec2, "i-1"))
    assert watched.assert_unchanged() == "running"  # pending, then running
    watched = Watched.now("handson-instance", lambda: instance_heading(ec2, "i-1"))
    assert watched.assert_unchanged() == "stopped"  # stopping, then stopped
    watched = Watched.now("handson-instance", lambda: instance_heading(ec2, "i-1"))
    with pytest.raises(ProbeFailed):
        watched.assert_unchanged()  # running, then stopping: a stop

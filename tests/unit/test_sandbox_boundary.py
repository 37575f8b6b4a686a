"""Issue 19, part 3, the boundary: the suite's own user and role stay inside the bootstrap's
permissions boundary, and the boundary holds nothing they do not need
(tests/helpers/boundary_fit.py)."""

from __future__ import annotations

import copy

import pytest

from handson.names import RunNames
from tests.helpers.boundary_fit import concrete_actions, outside_the_boundary, suite_grants
from tests.helpers.sandbox_role import boundary_document, load_template

NAMES = RunNames("20261204-abc123")


def test_every_grant_of_the_suites_user_and_role_is_inside_the_boundary() -> None:
    granted = suite_grants(NAMES)
    assert [p.name for p in granted][-1] == "AmazonSSMManagedInstanceCore"
    assert outside_the_boundary(granted, boundary_document(load_template())) == []


def test_a_wildcard_grant_stands_for_each_action_of_its_service() -> None:
    s3 = concrete_actions("s3:*")
    assert len(s3) > 100 and "s3:GetObject" in s3 and "s3:PutBucketPolicy" in s3
    assert concrete_actions("ec2:StartInstances") == ["ec2:StartInstances"]
    assert "s3:GetObjectVersion" in concrete_actions("s3:GetObject*")


def _boundary_without(action: str) -> dict[str, object]:
    boundary = copy.deepcopy(dict(boundary_document(load_template())))
    (statement,) = boundary["Statement"]
    statement["Action"] = [a for a in statement["Action"] if a != action]
    return boundary


@pytest.mark.parametrize("action", boundary_document(load_template())["Statement"][0]["Action"])
def test_each_action_of_the_boundary_is_one_the_suite_needs(action: str) -> None:
    """Taken out, every action of the boundary leaves a grant of the seed outside it: the
    boundary is the hands-on's maximum, nothing more, and the check above can fail."""
    gaps = outside_the_boundary(suite_grants(NAMES), _boundary_without(action))
    assert gaps, f"{action}: no grant of the seed needs it"
    assert all(f": {action.rstrip('*')}" in gap for gap in gaps), gaps

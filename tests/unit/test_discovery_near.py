"""Which names are a learner's slip for the hands-on's (handson.discovery_near.alike): named
to the learner, never graded in the hands-on's place."""

from __future__ import annotations

import pytest

from handson.discovery_near import alike


@pytest.mark.parametrize(
    "name",
    [
        "handson_iam_user",
        "Handson-IAM-User",
        " handson-iam-user ",
        "handson iam user",
        "handson-iam-user1",
        "hands-on-iam-user",
        "handson-iam-usr",
    ],
)
def test_a_slip_for_the_hands_ons_name_is_alike(name: str) -> None:
    assert alike(name, "handson-iam-user")


@pytest.mark.parametrize(
    "name", ["handson-iam-user", "admin", "my-user", "handson-iam-role", "taro", ""]
)
def test_the_name_itself_and_other_names_are_not(name: str) -> None:
    assert not alike(name, "handson-iam-user")


def test_an_instance_tag_slip_is_alike() -> None:
    assert alike("Handson-Instance", "handson-instance")
    assert alike("handson-instance ", "handson-instance")
    assert not alike("web-server", "handson-instance")

"""Which names are a learner's slip for the hands-on's (handson.discovery_near.alike): named
to the learner, never graded in the hands-on's place."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.discovery_near import REGION_READERS, Instances, alike, in_other_regions


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


class _Regions:
    """An EC2 client of the run's region that lists ``regions`` (its own among them)."""

    def __init__(self, own: str, regions: list[str]) -> None:
        self.meta = SimpleNamespace(region_name=own)
        self._regions = regions

    def describe_regions(self) -> dict[str, Any]:
        return {"Regions": [{"RegionName": r} for r in self._regions]}


def test_the_other_regions_are_read_side_by_side_eight_at_once() -> None:
    """Sixteen other regions, as in an account with AWS's default regions: they are read in two
    rounds of eight, each round all in flight together (the barrier lets none through until eight
    wait at it: one after another, the first would wait alone and the barrier break)."""
    others = [f"xx-region-{i:02d}" for i in range(16)]
    ec2 = _Regions("ap-northeast-1", ["ap-northeast-1", *others])
    together = threading.Barrier(REGION_READERS, timeout=10)
    lock = threading.Lock()
    in_flight = most = 0

    def find(client: SimpleNamespace) -> Instances:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        together.wait()
        with lock:
            in_flight -= 1
        return [{"InstanceId": f"i-{client.region}"}]

    found = in_other_regions(ec2, lambda r: SimpleNamespace(region=r), find)
    assert REGION_READERS == 8 and most == 8
    assert list(found) == others  # in the regions' order, whatever order they answered in
    assert all(found[r] == [{"InstanceId": f"i-{r}"}] for r in others)


def test_a_region_that_cannot_be_read_is_passed_over_and_the_runs_own_is_not_read() -> None:
    ec2 = _Regions("ap-northeast-1", ["us-east-1", "ap-northeast-1", "eu-west-1", "sa-east-1"])
    read: list[str] = []

    def find(client: SimpleNamespace) -> Instances:
        read.append(client.region)
        if client.region == "eu-west-1":
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}
            raise ClientError(error, "DescribeInstances")  # type: ignore[arg-type]
        return [{"InstanceId": "i-1"}] if client.region == "sa-east-1" else []

    found = in_other_regions(ec2, lambda r: SimpleNamespace(region=r), find)
    assert found == {"sa-east-1": [{"InstanceId": "i-1"}]}
    assert sorted(read) == ["eu-west-1", "sa-east-1", "us-east-1"]


def test_regions_that_cannot_be_listed_are_none() -> None:
    class Refused(_Regions):
        def describe_regions(self) -> dict[str, Any]:
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}
            raise ClientError(error, "DescribeRegions")  # type: ignore[arg-type]

    ec2 = Refused("ap-northeast-1", [])
    assert in_other_regions(ec2, lambda r: pytest.fail("read a region"), lambda c: []) == {}

"""EC2 set-up on AWS, against the responses EC2 really sends (botocore Stubber)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from handson.errors import SuiteUsageError
from handson.lifecycle.provision_ec2 import Network, choose_instance_type, find_network, launch
from tests.helpers.fakes import stubbed


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("ec2") as made:
        yield made


def free_tier(stub: Stubber, *types: str) -> None:
    stub.add_response(
        "describe_instance_types",
        {"InstanceTypes": [{"InstanceType": t, "FreeTierEligible": True} for t in types]},
        {"Filters": [{"Name": "free-tier-eligible", "Values": ["true"]}]},
    )


def offered(stub: Stubber, *types: str) -> None:
    stub.add_response(
        "describe_instance_type_offerings",
        {
            "InstanceTypeOfferings": [
                {"InstanceType": t, "LocationType": "region", "Location": "ap-northeast-1"}
                for t in types
            ]
        },
        {
            "LocationType": "region",
            "Filters": [{"Name": "instance-type", "Values": ["t2.micro", "t3.micro"]}],
        },
    )


@pytest.mark.parametrize(
    ("eligible", "available", "chosen"),
    [
        (("t2.micro", "t3.micro"), ("t2.micro", "t3.micro"), "t2.micro"),
        (("t3.micro", "t4g.micro"), ("t2.micro", "t3.micro"), "t3.micro"),  # account after 2025-07
        (("t2.micro", "t3.micro"), ("t3.micro",), "t3.micro"),  # region without t2
    ],
)
def test_auto_instance_type(
    ec2: tuple[Any, Stubber], eligible: tuple[str, ...], available: tuple[str, ...], chosen: str
) -> None:
    client, stub = ec2
    free_tier(stub, *eligible)
    offered(stub, *available)
    assert choose_instance_type(client, "auto") == chosen


def test_auto_without_a_free_choice_asks_for_one(ec2: tuple[Any, Stubber]) -> None:
    client, stub = ec2
    free_tier(stub, "t4g.micro")
    offered(stub, "t2.micro", "t3.micro")
    with pytest.raises(SuiteUsageError, match="--instance-type"):
        choose_instance_type(client, "auto")


def test_named_instance_type_is_used_as_is(ec2: tuple[Any, Stubber]) -> None:
    assert choose_instance_type(ec2[0], "t3.small") == "t3.small"


def test_default_vpc_or_a_clear_error(ec2: tuple[Any, Stubber]) -> None:
    client, stub = ec2
    query = {"Filters": [{"Name": "isDefault", "Values": ["true"]}]}
    stub.add_response(
        "describe_vpcs", {"Vpcs": [{"VpcId": "vpc-0a1b2c3d", "IsDefault": True}]}, query
    )
    assert find_network(client, None) == Network("vpc-0a1b2c3d", None)
    stub.add_response("describe_vpcs", {"Vpcs": []}, query)
    with pytest.raises(SuiteUsageError, match=r"no default VPC.*--subnet-id"):
        find_network(client, None)


def test_given_subnet(ec2: tuple[Any, Stubber]) -> None:
    client, stub = ec2
    stub.add_response(
        "describe_subnets",
        {"Subnets": [{"SubnetId": "subnet-0123abcd", "VpcId": "vpc-9f8e7d6c"}]},
        {"SubnetIds": ["subnet-0123abcd"]},
    )
    assert find_network(client, "subnet-0123abcd") == Network("vpc-9f8e7d6c", "subnet-0123abcd")
    stub.add_client_error(
        "describe_subnets", service_error_code="InvalidSubnetID.NotFound", http_status_code=400
    )
    with pytest.raises(SuiteUsageError, match=r"InvalidSubnetID\.NotFound"):
        find_network(client, "subnet-0badbad0")


PROFILE_NOT_YET = (
    "Value (handson-iam-role-x) for parameter iamInstanceProfile.name is invalid. "
    "Invalid IAM Instance Profile name"
)
PARAMS = {
    "ImageId": "ami-0abcdef1234567890",
    "InstanceType": "t3.micro",
    "MinCount": 1,
    "MaxCount": 1,
    "IamInstanceProfile": {"Name": "handson-iam-role-x"},
}


def test_launch_waits_out_profile_propagation(ec2: tuple[Any, Stubber]) -> None:
    client, stub = ec2
    for _ in range(2):
        stub.add_client_error(
            "run_instances",
            service_error_code="InvalidParameterValue",
            service_message=PROFILE_NOT_YET,
            http_status_code=400,
        )
    stub.add_response(
        "run_instances",
        {
            "Instances": [{"InstanceId": "i-0123456789abcdef0"}],
            "ReservationId": "r-0123456789abcdef0",
        },
        PARAMS,
    )
    assert launch(client, PARAMS, budget=10)["Instances"][0]["InstanceId"] == "i-0123456789abcdef0"


def test_launch_does_not_retry_other_bad_parameters(ec2: tuple[Any, Stubber]) -> None:
    client, stub = ec2
    stub.add_client_error(
        "run_instances",
        service_error_code="InvalidParameterValue",
        service_message="Invalid value 't9.micro' for InstanceType.",
        http_status_code=400,
    )
    with pytest.raises(ClientError, match=r"t9\.micro"):
        launch(client, {**PARAMS, "InstanceType": "t9.micro"}, budget=10)

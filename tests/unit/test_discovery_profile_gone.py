"""An instance whose instance profile was deleted with its role while it ran (the console deletes
a role's profile with the role): EC2 still names the profile, IAM answers NoSuchEntity. Discovery
says so in one line and leaves the role out, as for an instance without a role (whose checks
tests/test_existing_target.py grades end to end); until now the run ended in an internal error.
IAM's and EC2's answers as botocore's Stubber has them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from handson.aws import Credentials, Principal
from handson.discovery import Discovery, _instance

INSTANCE = "i-0123456789abcdef0"
PROFILE = "arn:aws:iam::111122223333:instance-profile/handson-iam-role"


def clients() -> tuple[object, object]:
    reader = Principal("grader", Credentials("AKIDX", "x"), "ap-northeast-1", None)
    return reader.client("ec2"), reader.client("iam")


def described() -> dict[str, object]:
    instance = {
        "InstanceId": INSTANCE,
        "State": {"Name": "running", "Code": 16},
        "InstanceType": "t2.micro",
        "IamInstanceProfile": {"Arn": PROFILE, "Id": "AIPAEXAMPLE"},
    }
    return {"Reservations": [{"Instances": [instance]}]}


def test_a_deleted_instance_profile_is_one_line_and_no_role() -> None:
    ec2, iam = clients()
    found = Discovery()
    with Stubber(ec2) as ec2_stub, Stubber(iam) as iam_stub:
        ec2_stub.add_response("describe_instances", described())
        iam_stub.add_client_error("get_instance_profile", "NoSuchEntity", http_status_code=404)
        _instance(ec2, iam, found, None)
    assert found.instance_id == INSTANCE and found.role is None
    assert found.missing["instance"] == found.findings[0]
    assert found.findings == [
        f"the instance profile handson-iam-role that instance {INSTANCE} has is gone (the"
        " console deletes it with its role): to grade, make the role again and give it to the"
        " instance (the hands-on's steps 9-10); while cleaning up, terminate the instance"
    ]


def test_any_other_error_is_not_taken_for_a_deleted_profile() -> None:
    ec2, iam = clients()
    with Stubber(ec2) as ec2_stub, Stubber(iam) as iam_stub:
        ec2_stub.add_response("describe_instances", described())
        iam_stub.add_client_error("get_instance_profile", "AccessDenied", http_status_code=403)
        with pytest.raises(ClientError, match="AccessDenied"):
            _instance(ec2, iam, Discovery(), None)

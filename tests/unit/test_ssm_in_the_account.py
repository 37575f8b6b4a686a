"""R1 in a hand-built account (handson.ssm_verdict.in_the_account): the replay decides the role
and its policies; whether Session Manager can connect now is the account's instance's SSM
registration, read-only (handson.discovery). Where it is not Online, or could not be read, R1 is
not decided, with what to do; never passed on the replay's word alone."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from handson import i18n
from handson.aws import Credentials, Principal
from handson.discovery import Discovery, _network, _ssm_registration
from handson.instance_network import NetworkPath, Placement, Way
from handson.ssm_verdict import in_the_account

INSTANCE = "i-0123456789abcdef0"
NO_IP = Placement("vpc-1", "subnet-1", ("sg-1",), public_ip=False)
NO_WAY = NetworkPath("rtb-1", Way.NONE, ("com.amazonaws.ap-northeast-1.ssm",), True)


def found(**facts: object) -> Discovery:
    seen = Discovery(instance_id=INSTANCE, role="handson-iam-role", instance_state="running")
    for name, value in facts.items():
        setattr(seen, name, value)
    return seen


def test_online_decides_nothing_more() -> None:
    assert in_the_account(found(ssm_status="Online")) is None
    # No instance, or none with a role: the run's first lines and the missing piece say so.
    assert in_the_account(found(instance_id=None)) is None
    assert in_the_account(found(role=None, ssm_status=None)) is None


@pytest.mark.parametrize(
    ("facts", "said"),
    [
        ({"ssm_status": None}, "(PingStatus: not registered), so Session Manager cannot connect"),
        ({"ssm_status": "ConnectionLost"}, "(PingStatus: ConnectionLost)"),
        ({"ssm_status": None, "placement": NO_IP}, "It has no public IP address"),
        (
            {"ssm_status": None, "placement": NO_IP, "network": NO_WAY},
            "hands-on's). Its subnet subnet-1 has no route out of its VPC (route table rtb-1",
        ),
        ({"ssm_status": "Online", "instance_state": "stopped"}, "is stopped, so Session"),
        ({"ssm_unread": "AccessDeniedException"}, "(AccessDeniedException), so R1 is not decided"),
    ],
    ids=[
        "never registered",
        "connection lost",
        "no public IP",
        "no way out",
        "stopped",
        "unreadable",
    ],
)
def test_what_keeps_session_manager_out_is_said(facts: dict[str, object], said: str) -> None:
    reason = in_the_account(found(**facts))  # the tests' language is English
    assert reason is not None and said in reason, reason
    i18n.set_language("ja")
    try:
        assert in_the_account(found(**facts)) not in (None, reason)  # in the run's language
    finally:
        i18n.set_language("en")


def test_the_registration_is_read_as_ssm_answers_it() -> None:
    """DescribeInstanceInformation's shape (botocore's Stubber): Online, absent, and a denial
    (the grading role without the read: said, never a crash); any other error is raised."""
    ssm = Principal("grader", Credentials("AKIDX", "x"), "ap-northeast-1", None).client("ssm")
    wanted = {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE]}]}
    operation = "describe_instance_information"
    with Stubber(ssm) as stub:
        listed = {"InstanceId": INSTANCE, "PingStatus": "Online"}
        stub.add_response(operation, {"InstanceInformationList": [listed]}, wanted)
        stub.add_response(operation, {"InstanceInformationList": []}, wanted)
        stub.add_client_error(operation, "AccessDeniedException", http_status_code=400)
        stub.add_client_error(operation, "InternalServerError", http_status_code=500)
        seen = [found(), found(), found()]
        for each in seen:
            _ssm_registration(ssm, each)
        assert [(s.ssm_status, s.ssm_unread) for s in seen] == [
            ("Online", None),
            (None, None),
            (None, "AccessDeniedException"),
        ]
        with pytest.raises(Exception, match="InternalServerError"):
            _ssm_registration(ssm, found())


def test_the_network_is_read_only_where_ssm_does_not_list_the_instance_online() -> None:
    """Online, stopped, unread, or without a role: EC2 is not asked (a Stubber without answers
    fails on any call); not registered: the route table is read, and the rest as it leads."""
    ec2 = Principal("grader", Credentials("AKIDX", "x"), "ap-northeast-1", None).client("ec2")
    placed = {"placement": NO_IP}
    with Stubber(ec2) as stub:
        for facts in (
            {"ssm_status": "Online"},
            {"instance_state": "stopped"},
            {"ssm_unread": "AccessDeniedException"},
            {"role": None},
            {"placement": None},
        ):
            seen = found(**{**placed, **facts})
            _network(ec2, seen)
            assert seen.network is None, facts
        local = {"DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local", "State": "active"}
        table = {"RouteTableId": "rtb-1", "Routes": [local]}
        stub.add_response("describe_route_tables", {"RouteTables": [table]})
        stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": []})
        stub.add_response("describe_security_groups", {"SecurityGroups": []})
        stub.add_response("describe_network_acls", {"NetworkAcls": []})
        seen = found(**placed)
        _network(ec2, seen)
        stub.assert_no_pending_responses()
    assert seen.network == NetworkPath(
        "rtb-1",
        Way.NONE,
        ("com.amazonaws.ap-northeast-1.ssm", "com.amazonaws.ap-northeast-1.ssmmessages"),
        False,
    )


def test_the_roles_ssm_core_on_the_user_is_said_where_it_belongs() -> None:
    """AmazonSSMManagedInstanceCore attached to the user instead of the role (the hands-on's
    step 9 attaches it to the role): R1 fails for want of it on the role, which says to attach
    it there; the line says it is on the user, to be taken off. Nothing is said where the role
    has it too (P1 names the user's over-grant)."""
    from handson.discovery import FoundPolicy, held_amiss
    from handson.names import SSM_CORE_POLICY_ARN

    core = FoundPolicy("AmazonSSMManagedInstanceCore", "managed", {}, SSM_CORE_POLICY_ARN, "v2")
    own = FoundPolicy("handson-iam-role-policy", "managed", {}, "arn:aws:iam::1:policy/x", "v1")
    seen = found(user="handson-iam-user", user_policies=[core], role_policies=[own])
    assert held_amiss(seen) == [
        "AmazonSSMManagedInstanceCore is attached to the IAM user handson-iam-user: it is the"
        " role handson-iam-role's (the hands-on's step 9). Take it off the user and attach it to"
        " the role"
    ]
    held = {"user": "handson-iam-user", "user_policies": [core], "role_policies": [own]}
    assert held_amiss(found(**held, ssm_core=True)) == []
    # Neither holds a policy: each line says what to attach.
    assert held_amiss(found(user="handson-iam-user")) == [
        "the IAM user handson-iam-user has no policy attached: attach handson-iam-user-policy, as"
        " the hands-on's step 3 does",
        "the IAM role handson-iam-role has no policy attached: attach handson-iam-role-policy and"
        " AmazonSSMManagedInstanceCore, as the hands-on's step 9 does",
    ]

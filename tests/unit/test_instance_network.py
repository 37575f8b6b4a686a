"""What keeps a hand-built instance from SSM, read from its network (handson.instance_network):
EC2's answers in their own shapes (botocore's Stubber), each cause said only where it is sure
to block, a refused read saying nothing, and the grading role allowing each read."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from handson import i18n
from handson.aws import Credentials, Principal
from handson.instance_network import (
    ANSWERS,
    HTTPS,
    NetworkPath,
    Placement,
    Way,
    acl_lets,
    cause,
    lets_https_out,
    read_path,
    way_out,
)
from tests.helpers.grading_role import ROLE, TEMPLATE, WHEN_PRESENT, grading_policies
from tests.helpers.role_grants import policies_without
from tests.helpers.sandbox_role import check_calls, load_template, refusals

REGION = "ap-northeast-1"
VPC, SUBNET, TABLE, MAIN = "vpc-0a1b", "subnet-0c2d", "rtb-0e3f", "rtb-0main"
GROUP = "sg-0123"
LOCAL = {"DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local", "State": "active"}
TO_IGW = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0abc", "State": "active"}
TO_NAT = {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0abc", "State": "active"}
PRIVATE = Placement(VPC, SUBNET, (GROUP,), public_ip=False)
PUBLIC = Placement(VPC, SUBNET, (GROUP,), public_ip=True)
ACL = "acl-0a1b"
ALL = {"Protocol": "-1", "CidrBlock": "0.0.0.0/0"}
DEFAULT_ACL = [  # a default network ACL's rules, as EC2 lists them (its last rules included)
    {**ALL, "Egress": True, "RuleAction": "allow", "RuleNumber": 100},
    {**ALL, "Egress": True, "RuleAction": "deny", "RuleNumber": 32767},
    {**ALL, "Egress": False, "RuleAction": "allow", "RuleNumber": 100},
    {**ALL, "Egress": False, "RuleAction": "deny", "RuleNumber": 32767},
]
OF_SUBNET = {"Filters": [{"Name": "association.subnet-id", "Values": [SUBNET]}]}


def route(**fields: str) -> dict[str, str]:
    return {"State": "active", **fields}


@pytest.mark.parametrize(
    ("routes", "way"),
    [
        ([LOCAL, TO_IGW], Way.INTERNET_GATEWAY),
        ([LOCAL, TO_NAT], Way.OTHER),
        ([LOCAL, route(DestinationCidrBlock="0.0.0.0/0", TransitGatewayId="tgw-1")], Way.OTHER),
        ([LOCAL], Way.NONE),
        ([LOCAL, {**TO_IGW, "State": "blackhole"}], Way.NONE),  # its gateway was deleted
        ([LOCAL, route(DestinationPrefixListId="pl-61a54008", GatewayId="vpce-1")], Way.NONE),
        # A narrower route out, or to a prefix list of someone's: it may carry the agent.
        ([LOCAL, route(DestinationCidrBlock="52.0.0.0/8", GatewayId="igw-0abc")], Way.OTHER),
        ([LOCAL, route(DestinationPrefixListId="pl-1", TransitGatewayId="tgw-1")], Way.OTHER),
        # The default route decides, whatever narrower ones there are besides.
        ([LOCAL, route(DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId="pcx-1"), TO_IGW],
         Way.INTERNET_GATEWAY),
    ],
    ids=["igw", "nat", "tgw", "local only", "blackhole", "s3 gateway endpoint", "narrower",
         "prefix list", "default beside a peering"],
)  # fmt: skip
def test_the_way_out_is_the_routes(routes: list[dict[str, str]], way: Way) -> None:
    assert way_out(routes) is way


@pytest.mark.parametrize(
    ("rule", "lets"),
    [
        ({"IpProtocol": "-1"}, True),  # a new security group's: all traffic
        ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}, True),
        ({"IpProtocol": "6", "FromPort": 0, "ToPort": 65535}, True),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}, False),
        ({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535}, False),
        ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}, False),
    ],
)
def test_an_outbound_rule_lets_https_out(rule: dict[str, Any], lets: bool) -> None:
    assert lets_https_out(rule) is lets


def entry(number: int, action: str, egress: bool, **fields: Any) -> dict[str, Any]:
    rule = {"Protocol": "6", "CidrBlock": "0.0.0.0/0", **fields}
    return {"RuleNumber": number, "RuleAction": action, "Egress": egress, **rule}


DENY_ALL_OUT = {**ALL, "Egress": True, "RuleAction": "deny", "RuleNumber": 32767}
DENY_ALL_IN = {**ALL, "Egress": False, "RuleAction": "deny", "RuleNumber": 32767}


@pytest.mark.parametrize(
    ("entries", "out", "answers"),
    [
        (DEFAULT_ACL, True, True),
        ([DENY_ALL_OUT, DENY_ALL_IN], False, False),  # a new network ACL: no rule of its own
        # Web traffic only: HTTP and HTTPS out, their answers in.
        ([entry(100, "allow", True, PortRange={"From": 80, "To": 80}),
          entry(110, "allow", True, PortRange={"From": 443, "To": 443}),
          entry(100, "allow", False, PortRange={"From": 1024, "To": 65535}),
          DENY_ALL_OUT, DENY_ALL_IN], True, True),
        # HTTP out only; SSH in only.
        ([entry(100, "allow", True, PortRange={"From": 80, "To": 80}),
          entry(100, "allow", False, PortRange={"From": 22, "To": 22}),
          DENY_ALL_OUT, DENY_ALL_IN], False, False),
        # A deny of everyone before the allow: the deny decides.
        ([entry(90, "deny", True, PortRange={"From": 443, "To": 443}),
          entry(100, "allow", True, PortRange={"From": 443, "To": 443}), DENY_ALL_OUT],
         False, True),
        # An allow of a narrower range may be SSM's: not sure to block.
        ([entry(100, "allow", True, CidrBlock="52.0.0.0/8", PortRange={"From": 443, "To": 443}),
          DENY_ALL_OUT], True, True),
        # A deny of a narrower range before the last rule: still every address denied.
        ([entry(100, "deny", True, CidrBlock="10.0.0.0/8"), DENY_ALL_OUT], False, True),
        # Some of the answer ports allowed: they may be the agent's.
        ([entry(100, "allow", False, PortRange={"From": 32768, "To": 60999}), DENY_ALL_IN],
         True, True),
        # UDP and IPv6 rules say nothing of the agent's IPv4 TCP.
        ([entry(100, "allow", True, Protocol="17"),
          {**entry(110, "allow", True), "CidrBlock": None, "Ipv6CidrBlock": "::/0"},
          DENY_ALL_OUT], False, True),
    ],
    ids=["default", "new", "web only", "http and ssh", "deny first", "narrower allow",
         "narrower deny", "ephemeral allowed", "udp and ipv6"],
)  # fmt: skip
def test_a_network_acl_blocks_only_where_it_surely_does(
    entries: list[dict[str, Any]], out: bool, answers: bool
) -> None:
    entries = [{k: v for k, v in e.items() if v is not None} for e in entries]
    assert acl_lets(entries, egress=True, ports=(HTTPS, HTTPS)) is out
    assert acl_lets(entries, egress=False, ports=ANSWERS) is answers


def ec2_client() -> Any:
    return Principal("grader", Credentials("AKIDX", "x"), REGION, None).client("ec2")


def tables(table: str, routes: list[dict[str, str]]) -> dict[str, Any]:
    return {"RouteTables": [{"RouteTableId": table, "VpcId": VPC, "Routes": routes}]}


OWN = {"Filters": [{"Name": "association.subnet-id", "Values": [SUBNET]}]}
MAIN_OF_VPC = {
    "Filters": [
        {"Name": "vpc-id", "Values": [VPC]},
        {"Name": "association.main", "Values": ["true"]},
    ]
}
ENDPOINTS = {"Filters": [{"Name": "vpc-id", "Values": [VPC]}]}
GROUPS = {"GroupIds": [GROUP]}


def groups(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"SecurityGroups": [{"GroupId": GROUP, "IpPermissionsEgress": list(rules)}]}


def acls(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"NetworkAcls": [{"NetworkAclId": ACL, "VpcId": VPC, "Entries": entries}]}


def endpoint(service: str, state: str = "available") -> dict[str, str]:
    return {"VpcId": VPC, "ServiceName": f"com.amazonaws.{REGION}.{service}", "State": state}


def test_a_private_subnet_is_read_with_the_vpcs_endpoints() -> None:
    """The subnet's own table leads nowhere out; the VPC has an ssm endpoint (and one pending):
    ssmmessages is missing."""
    ec2 = ec2_client()
    with Stubber(ec2) as stub:
        stub.add_response("describe_route_tables", tables(TABLE, [LOCAL]), OWN)
        found = [endpoint("ssm"), endpoint("ssmmessages", "pending"), endpoint("s3")]
        stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": found}, ENDPOINTS)
        stub.add_response("describe_security_groups", groups({"IpProtocol": "-1"}), GROUPS)
        stub.add_response("describe_network_acls", acls(DEFAULT_ACL), OF_SUBNET)
        path = read_path(ec2, PRIVATE, REGION)
        stub.assert_no_pending_responses()
    missing = (f"com.amazonaws.{REGION}.ssmmessages",)
    assert path == NetworkPath(TABLE, Way.NONE, missing, True, ACL, True, True)
    said = cause(path, PRIVATE)
    assert said is not None and said.startswith(
        f"Its subnet {SUBNET} has no route out of its VPC (route table {TABLE}: no 0.0.0.0/0 "
        "to an internet gateway or a NAT gateway), and the VPC has no SSM endpoint "
        f"(com.amazonaws.{REGION}.ssmmessages), so its SSM agent cannot reach SSM"
    ), said


def test_a_subnet_without_a_table_of_its_own_has_the_vpcs_main_one() -> None:
    """The default VPC's subnets: the main table, with its internet gateway; the endpoints are
    not read where there is a way out; the security group lets nothing out over HTTPS."""
    ec2 = ec2_client()
    with Stubber(ec2) as stub:
        stub.add_response("describe_route_tables", {"RouteTables": []}, OWN)
        stub.add_response("describe_route_tables", tables(MAIN, [LOCAL, TO_IGW]), MAIN_OF_VPC)
        web = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": []}
        stub.add_response("describe_security_groups", groups(web), GROUPS)
        stub.add_response("describe_network_acls", acls(DEFAULT_ACL), OF_SUBNET)
        path = read_path(ec2, PUBLIC, REGION)
        stub.assert_no_pending_responses()
    assert path == NetworkPath(MAIN, Way.INTERNET_GATEWAY, None, False, ACL, True, True)
    assert cause(path, PUBLIC) == (
        f"Its security groups ({GROUP}) let no HTTPS (TCP 443) out, so its SSM agent cannot reach "
        "SSM: add an outbound rule for HTTPS to 0.0.0.0/0 (a new security group lets all "
        "traffic out)"
    )


@pytest.mark.parametrize("code", ["UnauthorizedOperation", "RequestLimitExceeded"])
def test_a_read_refused_or_failed_says_nothing_of_it(code: str) -> None:
    """An older grading role without the reads (or EC2 failing): that part is not read, the
    others are, and nothing is said of what was not read."""
    ec2 = ec2_client()
    with Stubber(ec2) as stub:
        stub.add_client_error("describe_route_tables", code, http_status_code=400)
        stub.add_client_error("describe_security_groups", code, http_status_code=400)
        stub.add_client_error("describe_network_acls", code, http_status_code=400)
        path = read_path(ec2, PUBLIC, REGION)
        stub.assert_no_pending_responses()
    assert path == NetworkPath()
    assert cause(path, PUBLIC) is None
    # Without a public IP address, it is said as before the network was read.
    assert cause(path, PRIVATE) == cause(None, PRIVATE) is not None
    assert "It has no public IP address" in str(cause(path, PRIVATE))


@pytest.mark.parametrize(
    ("path", "placement", "said"),
    [
        (NetworkPath(TABLE, Way.NONE, (), True), PRIVATE, None),  # the VPC's endpoints: a way
        (NetworkPath(TABLE, Way.NONE, None, True), PRIVATE, None),  # endpoints not read
        (NetworkPath(TABLE, Way.OTHER, None, True), PRIVATE, None),  # a NAT gateway: no IP needed
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, True), PRIVATE, "no public IP address"),
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, True), PUBLIC, None),
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, None), PUBLIC, None),
        # The first cause only: the route before the address, the address before the groups.
        (NetworkPath(TABLE, Way.NONE, ("x",), False), PRIVATE, "has no route out of its VPC"),
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, False), PRIVATE, "no public IP address"),
        (NetworkPath(TABLE, Way.OTHER, None, False), PRIVATE, "let no HTTPS (TCP 443) out"),
        # The network ACL's, after the security groups': out, then the answers in.
        (NetworkPath(TABLE, Way.OTHER, None, False, ACL, False), PRIVATE, "let no HTTPS"),
        (
            NetworkPath(TABLE, Way.OTHER, None, True, ACL, False, False),
            PRIVATE,
            f"The network ACL {ACL} of its subnet {SUBNET} lets no HTTPS (TCP 443) out",
        ),
        (
            NetworkPath(TABLE, Way.OTHER, None, True, ACL, True, False),
            PRIVATE,
            "lets no answers in (TCP 1024-65535)",
        ),
        (NetworkPath(TABLE, Way.OTHER, None, True, ACL, True, True), PRIVATE, None),
        (None, None, None),
    ],
)
def test_only_what_is_sure_to_block_is_said(
    path: NetworkPath | None, placement: Placement | None, said: str | None
) -> None:
    found = cause(path, placement)
    if said is None:
        assert found is None, found
    else:
        assert found is not None and said in found, found


def test_each_cause_is_said_in_the_runs_language() -> None:
    paths = [
        (NetworkPath(TABLE, Way.NONE, ("com.amazonaws.x.ssm",), True), PRIVATE),
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, True), PRIVATE),
        (NetworkPath(TABLE, Way.INTERNET_GATEWAY, None, False), PUBLIC),
    ]
    english = [cause(path, placement) for path, placement in paths]
    i18n.set_language("ja")
    try:
        japanese = [cause(path, placement) for path, placement in paths]
    finally:
        i18n.set_language("en")
    assert all(japanese) and len(set(japanese)) == 3
    assert all(j != e for j, e in zip(japanese, english, strict=True))
    assert "ルートテーブル rtb-0e3f" in str(japanese[0]) and "セキュリティグループ" in str(
        japanese[2]
    )


def test_the_grading_role_allows_each_read() -> None:
    """ci/grading-role.yaml holds the four (an older stack lacks them: a refused read says
    nothing, above): the route table, the endpoints and the network ACL among the reads the
    recorded class makes (tests/corpus/grading_calls.jsonl), the security groups among those
    some accounts need (moto's instances in the recorded class have none)."""
    reads = {
        "DescribeRouteTables": "ec2:DescribeRouteTables",
        "DescribeVpcEndpoints": "ec2:DescribeVpcEndpoints",
        "DescribeSecurityGroups": "ec2:DescribeSecurityGroups",
        "DescribeNetworkAcls": "ec2:DescribeNetworkAcls",
    }
    calls: list[dict[str, Any]] = [
        {"who": "provisioning", "principal": "grader", "service": "ec2", "operation": operation,
         "action": action, "params": {}, "outcome": "ok", "endpoint": "https://aws.example"}
        for operation, action in reads.items()
    ]  # fmt: skip
    checks = check_calls(calls, grading_policies())
    assert len(checks) == 4 and refusals(checks) == []
    # Each grant taken out refuses its read: the check can fail.
    template = load_template(TEMPLATE)
    for call in calls:
        sid = WHEN_PRESENT if call["action"] == "ec2:DescribeSecurityGroups" else "ReadTheHandsOn"
        without = policies_without(template, ROLE, sid, call["action"])
        assert [r.split(":", 1)[0] for r in refusals(check_calls(calls, without))] == [
            call["operation"]
        ]

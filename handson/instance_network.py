"""What keeps a learner's instance from reaching SSM, read from its network, read-only.

R1 in a hand-built account (``handson.ssm_verdict.in_the_account``) is not decided where the
instance is not Online in SSM; this says the likely cause where its network shows one, so that
the learner knows what to fix: its subnet has no way out (no route but within the VPC, and no
SSM endpoints in the VPC), it has no public IP address where its way out is an internet gateway,
or its security groups let no HTTPS (TCP 443) out. The SSM agent reaches SSM over HTTPS, either
through the internet or through the VPC's interface endpoints.

Only what is sure to block is said: a route of any other kind (a NAT gateway, a transit gateway,
a peering, a prefix list), an endpoint in a state other than ``available``, an outbound rule to
any destination: each is taken to let the agent through. The subnet's network ACL (stateless,
its rules in number order) blocks only where a rule denying everyone comes before any rule that
might allow: HTTPS out, or the answers in on the agent's ports (TCP 1024-65535); its IPv6 rules
are not read. A read that is refused or fails says nothing (an older grading role lacks these
reads): the line without a cause, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from handson.i18n import listed, t

T = TypeVar("T")
HTTPS = 443
ANSWERS = (1024, 65535)  # the ports an answer to the agent may come back to (its own choice)
EVERYONE = "0.0.0.0/0"
# The interface endpoints an agent needs where the subnet has no way to the internet (AWS's
# "Use VPC endpoints for Systems Manager": ec2messages only for agents older than 3.3.40.0).
SSM_ENDPOINTS = ("ssm", "ssmmessages")


@dataclass(frozen=True)
class Placement:
    """Where EC2 put the instance (its DescribeInstances entry)."""

    vpc: str | None
    subnet: str | None
    groups: tuple[str, ...]
    public_ip: bool

    @classmethod
    def of(cls, instance: dict[str, Any]) -> Placement:
        return cls(
            instance.get("VpcId"),
            instance.get("SubnetId"),
            tuple(g["GroupId"] for g in instance.get("SecurityGroups", []) if "GroupId" in g),
            bool(instance.get("PublicIpAddress")),
        )


class Way(Enum):
    """How the instance's subnet reaches beyond its VPC."""

    INTERNET_GATEWAY = "internet gateway"  # 0.0.0.0/0 to an igw-: a public IP address needed
    OTHER = "other"  # NAT, transit gateway, peering, prefix list...: may reach SSM
    NONE = "none"  # only routes within the VPC (or blackholes)


@dataclass(frozen=True)
class NetworkPath:
    """What the instance's network was read to be; None where it could not be read."""

    table: str | None = None  # the subnet's route table (its own, or the VPC's main one)
    way: Way | None = None
    missing_endpoints: tuple[str, ...] | None = None  # the SSM endpoints the VPC lacks, by name
    https_out: bool | None = None  # some security group rule lets TCP 443 out
    acl: str | None = None  # the subnet's network ACL
    acl_out: bool | None = None  # it may let HTTPS out (False: surely not)
    acl_in: bool | None = None  # it may let the answers in (False: surely not)


def read_path(ec2: Any, placement: Placement, region: str) -> NetworkPath:
    """The route table, the SSM endpoints (where the table leads nowhere out), the security
    groups and the network ACL of the instance; each read that is refused or fails is left
    None."""
    table, way = _read(lambda: _route(ec2, placement)) or (None, None)
    missing, vpc = None, placement.vpc
    if way is Way.NONE and vpc:
        missing = _read(lambda: _missing_endpoints(ec2, vpc, region))
    https_out = _read(lambda: _https_out(ec2, placement.groups)) if placement.groups else None
    subnet = placement.subnet
    acl = _read(lambda: _acl(ec2, subnet)) if subnet else None
    if acl is None:
        return NetworkPath(table, way, missing, https_out)
    acl_id, entries = acl
    out = acl_lets(entries, egress=True, ports=(HTTPS, HTTPS))
    answers = acl_lets(entries, egress=False, ports=ANSWERS)
    return NetworkPath(table, way, missing, https_out, acl_id, out, answers)


def _read(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except (ClientError, BotoCoreError):
        return None


def _route(ec2: Any, placement: Placement) -> tuple[str, Way] | None:
    own = [{"Name": "association.subnet-id", "Values": [placement.subnet]}]
    tables = ec2.describe_route_tables(Filters=own)["RouteTables"] if placement.subnet else []
    if not tables and placement.vpc:  # a subnet without a table of its own has the VPC's main
        main = [
            {"Name": "vpc-id", "Values": [placement.vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
        tables = ec2.describe_route_tables(Filters=main)["RouteTables"]
    if not tables:
        return None
    table = tables[0]
    return table["RouteTableId"], way_out(table.get("Routes", []))


def way_out(routes: Sequence[dict[str, Any]]) -> Way:
    """How these routes take traffic beyond the VPC: by the default route's target (0.0.0.0/0),
    else by any other route that leaves the VPC (a narrower CIDR, a prefix list)."""
    active = [r for r in routes if r.get("State") != "blackhole" and not _within(r)]
    default = [r for r in active if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    if default:
        gateway = str(default[0].get("GatewayId", ""))
        return Way.INTERNET_GATEWAY if gateway.startswith("igw-") else Way.OTHER
    return Way.OTHER if active else Way.NONE


def _within(route: dict[str, Any]) -> bool:
    """A route that stays in the VPC: its own CIDR, or a gateway endpoint (S3's, DynamoDB's)."""
    gateway = str(route.get("GatewayId", ""))
    return gateway == "local" or gateway.startswith("vpce-")


def _missing_endpoints(ec2: Any, vpc: str, region: str) -> tuple[str, ...]:
    filters = [{"Name": "vpc-id", "Values": [vpc]}]
    pages = ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=filters)
    names = {
        endpoint.get("ServiceName")
        for page in pages
        for endpoint in page.get("VpcEndpoints", [])
        if endpoint.get("VpcId") == vpc and str(endpoint.get("State", "")).lower() == "available"
    }
    wanted = (f"com.amazonaws.{region}.{service}" for service in SSM_ENDPOINTS)
    return tuple(name for name in wanted if name not in names)


def _https_out(ec2: Any, groups: tuple[str, ...]) -> bool:
    found = ec2.describe_security_groups(GroupIds=list(groups))["SecurityGroups"]
    rules = [rule for group in found for rule in group.get("IpPermissionsEgress", [])]
    return any(lets_https_out(rule) for rule in rules)


def lets_https_out(rule: dict[str, Any]) -> bool:
    """An outbound rule that lets TCP 443 out, to whatever destination it names."""
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    return int(rule.get("FromPort", 0)) <= HTTPS <= int(rule.get("ToPort", 65535))


def _acl(ec2: Any, subnet: str) -> tuple[str, list[dict[str, Any]]] | None:
    own = [{"Name": "association.subnet-id", "Values": [subnet]}]
    acls = ec2.describe_network_acls(Filters=own)["NetworkAcls"]
    return (acls[0]["NetworkAclId"], acls[0].get("Entries", [])) if acls else None


def acl_lets(entries: Sequence[dict[str, Any]], *, egress: bool, ports: tuple[int, int]) -> bool:
    """Whether a network ACL's rules may let TCP on these ports through (out to them, or in to
    them), from anywhere: False only where a rule denying everyone all of them comes, in rule
    number order, before any rule that might allow one of them."""
    ours = [e for e in entries if bool(e.get("Egress")) is egress and "CidrBlock" in e]
    for entry in sorted(ours, key=lambda e: int(e.get("RuleNumber", 0))):
        protocol = str(entry.get("Protocol"))
        if protocol not in ("-1", "6"):
            continue
        low, high = (0, 65535)
        if protocol == "6" and "PortRange" in entry:
            low, high = int(entry["PortRange"]["From"]), int(entry["PortRange"]["To"])
        if high < ports[0] or low > ports[1]:
            continue  # none of the ports
        if entry.get("RuleAction") == "allow":
            return True
        if entry.get("CidrBlock") == EVERYONE and low <= ports[0] and ports[1] <= high:
            return False
    return True  # no rule said (AWS's own last rule denies all: it is among the entries)


def cause(path: NetworkPath | None, placement: Placement | None) -> str | None:
    """The first thing the network shows that keeps the agent from SSM, in the run's language;
    None where it shows none (or could not be read)."""
    if placement is None:
        return None
    if path is None:
        path = NetworkPath()
    if path.way is Way.NONE and path.missing_endpoints:
        endpoints = listed(path.missing_endpoints)
        return t("network.no_route", subnet=placement.subnet, table=path.table, endpoints=endpoints)
    # No public IP address matters where the way out is an internet gateway (or unread: as before).
    if not placement.public_ip and path.way in (Way.INTERNET_GATEWAY, None):
        return t("network.no_public_ip")
    if path.https_out is False:
        return t("network.no_https_out", groups=listed(placement.groups))
    if path.acl_out is False:
        return t("network.acl_out", acl=path.acl, subnet=placement.subnet)
    if path.acl_in is False:
        return t("network.acl_in", acl=path.acl, subnet=placement.subnet)
    return None

"""Reading 3 of the P1/P2 measure: the values a request could carry for each key the learner's
conditions name, on both sides of each condition."""

from __future__ import annotations

import ipaddress

import pytest

from handson.permissions.conditions import other_contexts


def addresses(network: str | list[str], operator: str = "IpAddress") -> list[str]:
    return [value for _, value in other_contexts([{operator: {"aws:SourceIp": network}}], {})]


@pytest.mark.parametrize(
    "networks",
    [
        ["203.0.113.0/24"],  # AWS's own examples restrict to the TEST-NETs: a learner copies them
        ["198.51.100.0/24", "203.0.113.0/24"],
        ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"],
        ["10.0.0.0/8", "2001:db8::/32"],
    ],
)
def test_an_address_range_gets_one_address_inside_and_one_outside(networks: list[str]) -> None:
    inside, outside = addresses(networks)[0], addresses(networks)[-1]
    held = [ipaddress.ip_network(network) for network in networks]
    assert any(ipaddress.ip_address(inside) in network for network in held)
    assert not any(ipaddress.ip_address(outside) in network for network in held), outside


def test_a_range_that_holds_every_address_has_no_outside() -> None:
    assert addresses(["0.0.0.0/0", "::/0"], "NotIpAddress") == ["0.0.0.0", "::"]


def test_a_value_that_is_no_range_is_left_out_and_the_others_kept() -> None:
    assert addresses(["not-an-address", "192.0.2.0/24"]) == ["192.0.2.0", "203.0.113.77"]


def test_bool_numeric_and_date_conditions_get_both_sides() -> None:
    contexts = other_contexts(
        [
            {"Bool": {"aws:MultiFactorAuthPresent": True}},
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
        ],
        {},
    )
    assert contexts == [
        ("aws:MultiFactorAuthPresent", "true"),
        ("aws:MultiFactorAuthPresent", "false"),
        ("aws:MultiFactorAuthAge", "3599"),
        ("aws:MultiFactorAuthAge", "3600"),
        ("aws:MultiFactorAuthAge", "3601"),
        ("aws:CurrentTime", "2026-01-01T00:00:00Z"),
        ("aws:CurrentTime", "2000-01-01T00:00:00Z"),
        ("aws:CurrentTime", "2100-01-01T00:00:00Z"),
    ]


def test_the_principals_own_keys_are_never_varied() -> None:
    own = {"aws:username": "handson-user"}
    conditions = [{"StringEquals": {"aws:username": "someone", "aws:PrincipalTag/team": "a"}}]
    assert other_contexts(conditions, own) == []

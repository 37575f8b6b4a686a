"""Reading 3 of the measure: values a request could carry for each key the conditions name.

For each key of each Condition, values on both sides of what the condition asks: a match of each
pattern and a value matching none, an address inside each IP range and one outside, true and
false, each number and its neighbours, each date and dates long before and after. The
principal's own keys (aws:username, aws:PrincipalArn, ...) keep their values and are never
varied.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

OTHER_STRING = "other-value"
# Addresses of nobody's network (RFC 5737's TEST-NETs, RFC 3849's): the first outside every range
# of a condition is its "outside" value. AWS's own examples restrict to those ranges, and a
# learner copies them.
OTHER_ADDRESSES = ("203.0.113.77", "198.51.100.77", "192.0.2.77", "2001:db8::77")
DATES = ("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
# Keys that describe the principal itself, which a request cannot choose.
OWN_KEY_PREFIXES = ("aws:principal", "aws:username", "aws:userid", "aws:sourceidentity")


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _candidates(operator: str, values: list[str]) -> list[str]:
    op = operator.lower().split(":")[-1].removesuffix("ifexists")
    found: list[str] = []
    if "ipaddress" in op:
        networks = []
        for value in values:
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                continue
        found.extend(str(network.network_address) for network in networks)
        found.extend(_outside(networks)[:1])
    elif op == "bool" or op == "null":
        found.extend(["true", "false"])
    elif op.startswith("numeric"):
        for value in values:
            try:
                number = float(value)
            except ValueError:
                continue
            shown = [number - 1, number, number + 1]
            found.extend(str(int(n)) if n.is_integer() else str(n) for n in shown)
    elif op.startswith("date"):
        found.extend([*values, *DATES])
    else:  # String and Arn operators
        found.extend(v.replace("*", "x").replace("?", "x") for v in values)
        found.append(OTHER_STRING)
    return list(dict.fromkeys(found))


def _outside(networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> list[str]:
    """Those of OTHER_ADDRESSES that none of ``networks`` holds."""
    return [
        address
        for address in OTHER_ADDRESSES
        if not any(ipaddress.ip_address(address) in network for network in networks)
    ]


def _own(key: str, own_keys: Mapping[str, Any]) -> bool:
    lowered = key.lower()
    return lowered in {k.lower() for k in own_keys} or lowered.startswith(OWN_KEY_PREFIXES)


def other_contexts(
    conditions: Iterable[Mapping[str, Any]], own_keys: Mapping[str, Any]
) -> list[tuple[str, Any]]:
    """(key, value) pairs, each one request context key a request could carry."""
    found: dict[tuple[str, str], Any] = {}
    for condition in conditions:
        for operator, block in condition.items():
            if not isinstance(block, Mapping):
                continue
            multi = operator.lower().startswith(("forallvalues:", "foranyvalue:"))
            for key, value in block.items():
                if _own(str(key), own_keys):
                    continue
                if operator.lower() == "null":
                    candidates = [OTHER_STRING]  # present; reading 2 has it absent
                else:
                    candidates = _candidates(str(operator), _values(value))
                for candidate in candidates:
                    shown = [candidate] if multi else candidate
                    found.setdefault((str(key), repr(shown)), shown)
    return [(key, value) for (key, _), value in found.items()]

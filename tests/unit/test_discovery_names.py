"""A policy of the hand-built user or role whose bucket ARNs name another <自分の名前> than the
buckets' (a name typed twice, once otherwise): one line before the checks says which name each
holds and which the buckets have. The checks failed with hints naming ARNs alone."""

from __future__ import annotations

import json

from handson.discovery import Discovery, FoundPolicy, names_amiss
from handson.names import PLACEHOLDER
from handson.policies import ROLE_POLICY_FILE, SEED_DIR


def role_policy(name: str) -> FoundPolicy:
    text = (SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8").replace(PLACEHOLDER, name)
    return FoundPolicy("handson-iam-role-policy", "managed", json.loads(text), "arn:x", "v1")


def test_a_policy_naming_another_name_is_one_line() -> None:
    found = Discovery(role_policies=[role_policy("taro")])
    assert names_amiss(found, "taro-byhand") == [
        "the bucket ARNs of handson-iam-role-policy name buckets of the name taro; your buckets'"
        " name is taro-byhand (handson-s3-1-taro-byhand, handson-s3-2-taro-byhand): write that"
        " name in the policy's bucket ARNs (a bucket's name cannot be changed)"
    ]


def test_the_buckets_name_a_placeholder_or_a_wildcard_say_nothing() -> None:
    seed = {**role_policy(PLACEHOLDER).document}
    wildcard = json.loads(json.dumps(seed, ensure_ascii=False).replace(PLACEHOLDER, "*"))
    assert "handson-s3-2-*/open/*" in json.dumps(wildcard)
    found = Discovery(
        role_policies=[
            role_policy("taro-byhand"),
            FoundPolicy("kept", "inline", seed),
            FoundPolicy("wide", "inline", wildcard),
        ]
    )
    assert names_amiss(found, "taro-byhand") == []

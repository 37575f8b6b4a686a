"""The IAM decision corpus (tests/corpus/iam_decisions.json) run against the suite's engine.

Every case is an authorization question taken from AWS's documentation, with the decision AWS
documents for it. The expectation is never the engine's answer: a case the engine decides
otherwise carries ``engine_differs`` and runs as a strict xfail, so it reports when the engine
starts agreeing with AWS.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from handson.iam_engine import NamedPolicy, Request, decide

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "iam_decisions.json"
DECISIONS = {"Allow", "Deny", "ImplicitDeny"}
CATEGORY_MINIMUMS = {
    "flow-": 8,
    "boundary-": 6,
    "notaction-": 6,
    "notresource-": 6,
    "s3list-": 10,
    "ifexists-": 6,
    "set-": 8,
    "case-": 6,
    "cond-": 10,
}

# What a case marked "e2e" may contain, to be replayed as a real boto3 call through the emulator.
E2E_PRINCIPAL = "arn:aws:iam::123456789012:user/corpus-user"
E2E_BUCKETS = {"corpus-bucket-a", "corpus-bucket-b"}
E2E_ACTIONS = {
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteBucket",
    "s3:ListAllMyBuckets",
}
E2E_CONTEXT_KEYS = {"s3:prefix", "s3:delimiter", "s3:max-keys"}
E2E_POLICY_KEYS = E2E_CONTEXT_KEYS | {
    "aws:securetransport",
    "aws:requestedregion",
    "aws:username",
    "aws:principalarn",
}


def _load() -> list[dict[str, Any]]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]


CASES = _load()


def _category(case_id: str) -> str:
    return case_id.split("-", 1)[0] + "-"


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case.get("engine_differs"):
        reason = f"engine differs from AWS: {case['engine_differs']}"
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, id=case["id"], marks=marks)


def _request(case: dict[str, Any]) -> Request:
    context = case["context"]
    principal_arn = case["principal"]["arn"]
    regions = [v for k, v in context.items() if k.lower() == "aws:requestedregion"]
    region = regions[0] if regions else "us-east-1"
    return Request(
        action=case["action"],
        resource=case["resource"],
        principal_arn=principal_arn,
        principal_type=case["principal"]["type"],
        account=principal_arn.split(":")[4],
        region=region,
        context=context,
    )


def _policy(policy: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(policy["name"], policy["document"])


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _condition_keys(case: dict[str, Any]) -> set[str]:
    keys = set()
    for policy in case["identity"]:
        for statement in _statements(policy["document"]):
            for block in statement.get("Condition", {}).values():
                keys |= {key.lower() for key in block}
    return keys


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_case_is_well_formed(case: dict[str, Any]) -> None:
    assert case["source"].startswith("https://docs.aws.amazon.com/"), case["source"]
    assert " — " in case["source"], "source names a section or quotes the page after ' — '"
    assert case["why"].strip()
    assert case["expected"] in DECISIONS
    assert _category(case["id"]) in CATEGORY_MINIMUMS, f"unknown category prefix in {case['id']}"
    assert isinstance(case["identity"], list)
    assert case["boundary"] is None or {"name", "document"} <= set(case["boundary"])
    assert isinstance(case["context"], dict)
    policies = json.dumps([case["identity"], case["boundary"]])
    assert "${" not in policies, "the engine does not support policy variables"
    if "engine_differs" in case:
        assert case["engine_differs"].strip()


def test_every_category_has_its_minimum() -> None:
    counts = Counter(_category(case["id"]) for case in CASES)
    short = {
        prefix: counts[prefix]
        for prefix, minimum in CATEGORY_MINIMUMS.items()
        if counts[prefix] < minimum
    }
    assert not short, f"categories below their minimum: {short} (minimums {CATEGORY_MINIMUMS})"


def test_e2e_cases_can_be_replayed() -> None:
    e2e = [case for case in CASES if case.get("e2e")]
    assert 12 <= len(e2e) <= 20, len(e2e)
    for case in e2e:
        assert case["principal"] == {"arn": E2E_PRINCIPAL, "type": "User"}, case["id"]
        assert case["boundary"] is None, case["id"]
        assert case["action"] in E2E_ACTIONS, case["id"]
        assert set(case["context"]) <= E2E_CONTEXT_KEYS, case["id"]
        if case["action"] != "s3:ListBucket":
            assert not case["context"], case["id"]
        assert _condition_keys(case) <= E2E_POLICY_KEYS, case["id"]
        if case["action"] != "s3:ListAllMyBuckets":
            bucket = case["resource"].removeprefix("arn:aws:s3:::").split("/", 1)[0]
            assert bucket in E2E_BUCKETS, case["id"]


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_engine_decides_as_aws_documents(case: dict[str, Any]) -> None:
    boundary = _policy(case["boundary"]) if case["boundary"] else None
    verdict = decide(_request(case), [_policy(p) for p in case["identity"]], boundary)
    assert verdict.decision == case["expected"], f"{case['id']}: {case['why']}"

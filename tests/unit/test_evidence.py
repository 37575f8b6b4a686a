"""A probe's evidence in the allure report, and a failure's message there, in the run's language:
the same words the terminal uses, the English unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures.allure_undecided import said
from handson.evidence import render
from handson.findings import ALLOWED_BUT_DENIED, Finding
from handson.i18n import display_width, set_language
from handson.policies import PolicyDocument
from handson.policy_match import deciding, explain
from handson.probes import Answer, Probe, ProbeResult
from handson.report import failure_block
from handson.verdict import Outcome, classify_cli

POLICY: PolicyDocument = {
    "Statement": [
        {
            "Sid": "ForS32OpenGet",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::handson-s3-2-tanaka/open/*"],
        }
    ]
}
CALL = "aws s3 cp a.txt s3://handson-s3-2-tanaka/open/a.txt"
RESOURCE = "arn:aws:s3:::handson-s3-2-tanaka/open/a.txt"
ROLE = "arn:aws:sts::123456789012:assumed-role/handson-iam-role-tanaka/i-0123456789abcdef0"


@pytest.fixture
def language() -> Iterator[None]:
    yield
    set_language("en")


def _allowed_upload() -> ProbeResult:
    return ProbeResult(
        ROLE,
        Probe(CALL, "s3:PutObject", RESOURCE, lambda: Answer(classify_cli(0, ""), {})),
        Outcome.DENIED,
        Answer(classify_cli(0, ""), {"exit_code": 0}),
        1,
        explanation=explain([POLICY], "s3:PutObject", RESOURCE, True),
        deciding=deciding([POLICY], "s3:PutObject", RESOURCE, True),
    )


def test_the_evidence_in_english_is_as_it_always_was(language: None) -> None:
    set_language("en")
    assert render(_allowed_upload()).splitlines()[:9] == [
        f"principal : {ROLE}",
        f"call      : {CALL}",
        f"evaluates : s3:PutObject on {RESOURCE}",
        "expected  : denied",
        "verdict   : allowed",
        "rule      : rule 1: the command succeeded",
        "attempts  : 1",
        "policies  : allowed by:",
        '  Allow statement ForS32OpenGet: Action ["s3:GetObject", "s3:PutObject"] on Resource '
        '["arn:aws:s3:::handson-s3-2-tanaka/open/*"]',
    ]


def test_the_evidence_in_japanese_is_japanese_and_aligned(language: None) -> None:
    set_language("ja")
    text = render(_allowed_upload())
    lines = text.splitlines()
    assert lines[0] == f"実行者         : {ROLE}"
    assert lines[2] == f"評価されるもの : {RESOURCE} への s3:PutObject"
    assert lines[3:5] == ["期待           : 拒否", "判定           : 許可"]
    assert "許可しているステートメント:" in text and "Allow のステートメント ForS32OpenGet" in text
    labelled = [line for line in lines if " : " in line or line.endswith(" :")][:8]
    assert len({display_width(line.split(" :")[0]) for line in labelled}) == 1, labelled
    for english in ("principal", "expected", "verdict", "allowed by", "statement ForS32"):
        assert english not in text


def test_a_failures_message_in_the_report_is_the_terminals_block(language: None) -> None:
    set_language("ja")
    result = _allowed_upload()
    finding = Finding(ALLOWED_BUT_DENIED, ALLOWED_BUT_DENIED, result, "Action を絞ってください")
    message = said(("R5",), finding)
    block = failure_block(("R5",), "open/ に書けない", finding).splitlines()
    assert message.splitlines() == [line.removeprefix("  ") for line in block[1:]]
    assert message.splitlines()[0] == f"試したこと: {CALL}"
    assert "決め手: Allow のステートメント ForS32OpenGet" in message
    assert message.splitlines()[-1] == "ヒント: Action を絞ってください"

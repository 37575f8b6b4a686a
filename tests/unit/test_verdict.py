"""Unit tests of handson.verdict: only an authorization error is a denial."""

from __future__ import annotations

import pytest

from handson import i18n
from handson.verdict import Outcome, Verdict, classify_api_error, classify_cli


def test_success_is_allowed() -> None:
    verdict = classify_api_error(None)
    assert verdict.outcome is Outcome.ALLOWED
    assert verdict.code is None


@pytest.mark.parametrize(
    "code",
    [
        "AccessDenied",
        "UnauthorizedOperation",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
    ],
)
def test_authorization_errors_are_denials(code: str) -> None:
    verdict = classify_api_error(code)
    assert verdict.outcome is Outcome.DENIED
    assert verdict.code == code


@pytest.mark.parametrize(
    ("code", "rule"),
    [("DryRunOperation", "rule 6"), ("BucketNotEmpty", "rule 2")],
)
def test_errors_after_authorization_are_allowed(code: str, rule: str) -> None:
    verdict = classify_api_error(code)
    assert verdict.outcome is Outcome.ALLOWED
    assert verdict.code == code
    assert verdict.text.startswith(rule)


@pytest.mark.parametrize(
    "code",
    [
        "NoSuchKey",
        "NoSuchBucket",
        "Throttling",
        "ThrottlingException",
        "SlowDown",
        "InternalError",
        "ServiceUnavailable",
        "RequestTimeout",
        "InvalidClientTokenId",
    ],
)
def test_other_errors_are_errors_not_denials(code: str) -> None:
    verdict = classify_api_error(code)
    assert verdict.outcome is Outcome.ERROR
    assert verdict.code == code
    assert code in verdict.text


@pytest.mark.parametrize(
    ("exit_code", "stderr", "outcome", "code"),
    [
        pytest.param(
            1,
            "upload failed: ./f.txt to s3://b/open/f.txt An error occurred (AccessDenied) "
            "when calling the PutObject operation: Access Denied",
            Outcome.DENIED,
            "AccessDenied",
            id="put-access-denied",
        ),
        pytest.param(
            1,
            "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden",
            Outcome.DENIED,
            "403",
            id="head-object-403",
        ),
        pytest.param(
            1,
            "fatal error: An error occurred (404) when calling the HeadObject operation: "
            'Key "open/x" does not exist',
            Outcome.ERROR,
            "404",
            id="head-object-404",
        ),
        pytest.param(
            1,
            "remove_bucket failed: s3://b An error occurred (BucketNotEmpty) when calling the "
            "DeleteBucket operation: The bucket you tried to delete is not empty",
            Outcome.ALLOWED,
            "BucketNotEmpty",
            id="bucket-not-empty",
        ),
        pytest.param(
            255,
            "Unable to locate credentials. "
            'You can configure credentials by running "aws configure".',
            Outcome.ERROR,
            "NoCredentials",
            id="no-credentials",
        ),
        pytest.param(
            2,
            "usage: aws [options] <command> <subcommand> ...\n"
            "aws: error: argument command: Invalid choice",
            Outcome.ERROR,
            "Usage",
            id="usage-error",
        ),
        pytest.param(
            255,
            "An error occurred (Throttling) when calling the ListBuckets operation "
            "(reached max retries: 2): Rate exceeded",
            Outcome.ERROR,
            "Throttling",
            id="throttling",
        ),
        pytest.param(
            0,
            "",
            Outcome.ALLOWED,
            None,
            id="success",
        ),
        pytest.param(
            254,
            "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: "
            "Access Denied",
            Outcome.DENIED,
            "AccessDenied",
            id="list-access-denied",
        ),
        pytest.param(
            124,
            "",
            Outcome.ERROR,
            "Timeout",
            id="timeout",
        ),
    ],
)
def test_classify_cli(exit_code: int, stderr: str, outcome: Outcome, code: str | None) -> None:
    verdict = classify_cli(exit_code, stderr)
    assert verdict.outcome is outcome
    assert verdict.code == code


def test_cli_403_rule_names_what_the_learner_ran_not_the_clis_inner_call() -> None:
    verdict = classify_cli(
        1,
        "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden",
        "aws s3 cp s3://b/close/x x && cat x",
    )
    assert verdict.outcome is Outcome.DENIED
    assert "aws s3 cp was refused with (403) Forbidden" in verdict.text
    assert "HeadObject" not in verdict.text
    i18n.set_language("ja")
    try:
        assert verdict.text == "aws s3 cp が 403 で断られたので、拒否と判定（S3 の権限エラー）"
    finally:
        i18n.set_language("en")


def test_cli_exit_zero_ignores_stderr() -> None:
    # A successful command may still print warnings; the exit code decides.
    stderr = "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: x"
    verdict = classify_cli(0, stderr)
    assert verdict == Verdict(Outcome.ALLOWED, "rule.command_succeeded")
    assert verdict.text == "rule 1: the command succeeded"


def test_cli_message_text_is_not_used_for_the_verdict() -> None:
    stderr = (
        "An error occurred (InternalError) when calling the GetObject operation: "
        "Access Denied by an internal proxy"
    )
    verdict = classify_cli(1, stderr)
    assert verdict.outcome is Outcome.ERROR
    assert verdict.code == "InternalError"


def test_cli_unknown_failure_is_an_error_with_the_exit_code() -> None:
    verdict = classify_cli(1, "something went wrong")
    assert verdict.outcome is Outcome.ERROR
    assert verdict.code is None
    assert "exit code 1" in verdict.text


@pytest.mark.parametrize(
    "code",
    [
        "Throttling",
        "SlowDown",
        "RequestLimitExceeded",
        "OperationAborted",  # a bucket name deleted moments ago (U2's, on a run again)
        "InternalError",
        "ServiceFailure",
        "503",
    ],
)
def test_transient_faults_are_errors_that_may_be_sent_again(code: str) -> None:
    verdict = classify_api_error(code)
    assert verdict.outcome is Outcome.ERROR and verdict.transient and verdict.code == code


@pytest.mark.parametrize("code", ["AccessDenied", "NoSuchKey", "BucketNotEmpty", "404", None])
def test_other_answers_are_not_transient(code: str | None) -> None:
    assert not classify_api_error(code).transient


def test_the_cli_giving_up_on_throttling_is_transient() -> None:
    stderr = (
        "upload failed: ./x to s3://b/open/x An error occurred (SlowDown) when calling the "
        "PutObject operation (reached max retries: 7): Please reduce your request rate."
    )
    verdict = classify_cli(1, stderr)
    assert verdict.outcome is Outcome.ERROR and verdict.transient and verdict.code == "SlowDown"


def test_a_verdict_names_its_rule_by_key_and_is_worded_where_shown() -> None:
    verdict = classify_api_error("DryRunOperation")
    assert (verdict.rule, verdict.params) == ("rule.dry_run", ())
    assert classify_api_error("NoSuchKey").params == (("code", "NoSuchKey"),)
    i18n.set_language("ja")
    try:
        assert verdict.text == i18n.t("rule.dry_run") and "DryRunOperation" in verdict.text
    finally:
        i18n.set_language("en")
    assert verdict.text == "rule 6: DryRunOperation means the request would have been allowed"
    assert Verdict(Outcome.ERROR, "no answer: EndpointConnectionError").text == (
        "no answer: EndpointConnectionError"
    )

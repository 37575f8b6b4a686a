"""The account's first calls through what stands between the learner and AWS: an answer that is
not AWS's is sent again, never taken for a refusal; a network or proxy in the way, and a user
profile that gives no usable key, are one line each that says what to check."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import pytest

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.targets.account import identify
from handson.targets.emulator_process import free_port
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.english_words import english_words
from tests.helpers.fakes import http_server, untrusted_tls_server
from tests.unit.test_account import CALLER, REGION

STS_ANSWER = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>{Arn}</Arn><UserId>{UserId}</UserId>"
    "<Account>{Account}</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
).format(**CALLER)
IAM_ANSWER = (
    '<ListAccountAliasesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    "<ListAccountAliasesResult><IsTruncated>false</IsTruncated><AccountAliases/>"
    "</ListAccountAliasesResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata>"
    "</ListAccountAliasesResponse>"
)
PROXY_PAGE = b"<html><head><title>400 Bad Request</title></head><body>nginx</body></html>"


def garbling(times: int) -> type[BaseHTTPRequestHandler]:
    """An endpoint that first answers ``times`` requests with a proxy's HTML page, then as STS
    and IAM do."""
    seen = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["requests"] += 1
            status, answer = (400, PROXY_PAGE) if seen["requests"] <= times else (200, b"")
            if not answer:
                answer = (IAM_ANSWER if b"ListAccountAliases" in body else STS_ANSWER).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if status == 400 else "text/xml")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def real_session() -> Any:
    return boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret", region_name=REGION
    )


def test_an_answer_that_is_not_awss_is_sent_again() -> None:
    with http_server(garbling(times=1)) as url:
        account = identify(real_session(), REGION, url)
    assert account.account_id == "111122223333" and account.alias is None


def test_an_endpoint_that_never_answers_as_sts_is_one_line_never_a_refusal() -> None:
    with http_server(garbling(times=1000)) as url, pytest.raises(SuiteUsageError) as caught:
        identify(real_session(), REGION, url)
    said = str(caught.value)
    assert "does not answer as AWS STS does" in said and "\n" not in said, said


# -- a school's or a company's network in the way: one line that says what to check ----------


def test_no_route_to_aws_names_the_endpoint_and_a_proxy_to_check() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SuiteUsageError) as caught:
        identify(real_session(), REGION, closed)
    said = str(caught.value)
    assert said.startswith(f"cannot reach AWS: no connection to {closed}/"), said
    assert "HTTPS_PROXY" in said and "\n" not in said


def test_a_proxy_that_does_not_answer_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AWS's own endpoint, through a proxy that is not there: nothing leaves this computer."""
    port = free_port()
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://taro:s3cret-pass@127.0.0.1:{port}")
    with pytest.raises(SuiteUsageError) as caught:
        identify(real_session(), REGION)
    said = str(caught.value)
    assert said.startswith("cannot reach AWS: the proxy http://***:***@127.0.0.1:"), said
    assert f":{port}" in said and "HTTPS_PROXY" in said
    assert "s3cret" not in said and "taro" not in said


def test_a_network_that_inspects_https_asks_for_its_certificate(tmp_path: Path) -> None:
    with untrusted_tls_server(tmp_path) as url, pytest.raises(SuiteUsageError) as caught:
        identify(real_session(), REGION, url)
    said = str(caught.value)
    assert said.startswith(f"cannot reach AWS: the certificate of {url}/"), said
    assert "AWS_CA_BUNDLE" in said and "\n" not in said


def test_the_network_lines_are_japanese_in_a_japanese_run(japanese: None) -> None:
    lines = [
        t("aws.proxy_unreachable", proxy="http://127.0.0.1:8080"),
        t("aws.tls_unverified", endpoint="https://sts.ap-northeast-1.amazonaws.com/"),
        t("aws.no_route", endpoint="https://sts.ap-northeast-1.amazonaws.com/"),
    ]
    assert all(line.startswith("AWS につながりません: ") for line in lines)
    assert [english_words(line) for line in lines] == [[], [], []], lines


def test_a_user_profile_in_a_broken_config_file_is_one_line(bare: Path) -> None:
    """--user-profile reads the same file: the same line, with the option it came from."""
    from handson.lifecycle.live import user_from_profile

    (bare / "config").write_text("[profile learner\nregion = ap-northeast-1\n", "utf-8")
    with pytest.raises(SuiteUsageError) as caught:
        user_from_profile("learner", REGION, None)
    assert str(caught.value).startswith(
        f"--user-profile learner: cannot read the AWS config file {bare / 'config'}: "
    ), caught.value


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("", "live.profile_missing"),  # a profile name mistyped, or never configured
        ("[profile learner]\nregion = ap-northeast-1\n", "live.profile_empty"),  # no key in it
    ],
    ids=["no such profile", "a profile without a key"],
)
def test_a_user_profile_that_gives_no_key_is_one_line_before_any_call(
    bare: Path, config: str, expected: str
) -> None:
    from handson.lifecycle.live import user_from_profile

    (bare / "config").write_text(config, "utf-8")
    with pytest.raises(SuiteUsageError) as caught:
        user_from_profile("learner", REGION, "http://127.0.0.1:9")  # nothing listens there
    assert str(caught.value) == t(expected, profile="learner")


def test_a_user_profile_whose_key_sts_refuses_names_aws_s_code(
    bare: Path, test_emulator: MotoEmulator
) -> None:
    """A key deleted or mistyped: STS's own code (InvalidClientTokenId), not a Python class,
    and what to do about it."""
    from handson.lifecycle.live import user_from_profile

    (bare / "credentials").write_text(
        "[learner]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "utf-8",
    )
    with pytest.raises(SuiteUsageError) as caught:
        user_from_profile("learner", REGION, test_emulator.endpoint_url)
    said = str(caught.value)
    assert said == t("live.profile_refused", profile="learner", error="InvalidClientTokenId")
    assert "wJalr" not in said and "AKIAIOSFODNN7EXAMPLE" not in said


def test_a_user_profile_of_another_identity_is_refused(
    bare: Path, test_emulator: MotoEmulator
) -> None:
    from handson.lifecycle.live import user_from_profile

    keys = test_emulator.admin.credentials
    (bare / "credentials").write_text(
        f"[learner]\naws_access_key_id = {keys.access_key_id}\n"
        f"aws_secret_access_key = {keys.secret_access_key}\n",
        "utf-8",
    )
    with pytest.raises(SuiteUsageError) as caught:
        user_from_profile("learner", REGION, test_emulator.endpoint_url)
    assert str(caught.value).startswith("--user-profile learner: ") and "handson-iam-user" in str(
        caught.value
    )
    assert keys.secret_access_key not in str(caught.value)

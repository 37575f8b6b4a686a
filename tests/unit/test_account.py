"""The aws target's account guard, against the responses STS and IAM really send (Stubber)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from handson.errors import SuiteUsageError
from handson.i18n import set_language, t
from handson.targets.account import Account, guard, identify, parse_allowed, reach_account
from handson.targets.emulator_process import free_port
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.english_words import english_words
from tests.helpers.fakes import http_server, untrusted_tls_server

REGION = "ap-northeast-1"
CALLER = {
    "UserId": "AROAEXAMPLEROLEID:ci-session",
    "Account": "111122223333",
    "Arn": "arn:aws:sts::111122223333:assumed-role/handson-ci/ci-session",
}


class StubbedSession:
    """Hands out clients whose answers are stubbed; ``identify`` only calls ``client``."""

    def __init__(self) -> None:
        real = boto3.session.Session(
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="not-a-secret",
            region_name=REGION,
        )
        self.clients = {name: real.client(name) for name in ("sts", "iam")}
        self.stubs = {name: Stubber(client) for name, client in self.clients.items()}

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]

    def __enter__(self) -> StubbedSession:
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        for stub in self.stubs.values():
            stub.deactivate()


def test_identify_names_account_alias_and_principal() -> None:
    with StubbedSession() as session:
        session.stubs["sts"].add_response("get_caller_identity", CALLER)
        session.stubs["iam"].add_response(
            "list_account_aliases", {"AccountAliases": ["handson-sandbox"], "IsTruncated": False}
        )
        account = identify(session, REGION)
    assert account == Account("111122223333", "handson-sandbox", CALLER["Arn"])
    assert account.describe() == (
        "account 111122223333 handson-sandbox as "
        "arn:aws:sts::111122223333:assumed-role/handson-ci/ci-session"
    )


def test_account_without_alias() -> None:
    with StubbedSession() as session:
        session.stubs["sts"].add_response("get_caller_identity", CALLER)
        session.stubs["iam"].add_response(
            "list_account_aliases", {"AccountAliases": [], "IsTruncated": False}
        )
        assert identify(session, REGION).alias is None


@pytest.mark.parametrize(
    ("code", "status", "message", "expected"),
    [
        ("ExpiredToken", 403, "The security token included in the request is expired", "expired"),
        (
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
            "not valid",
        ),
        (
            "SignatureDoesNotMatch",
            403,
            "The request signature we calculated does not match the signature you provided.",
            "wrong secret key",
        ),
    ],
)
def test_refused_credentials_are_one_line(
    code: str, status: int, message: str, expected: str
) -> None:
    with StubbedSession() as session:
        session.stubs["sts"].add_client_error(
            "get_caller_identity",
            service_error_code=code,
            service_message=message,
            http_status_code=status,
        )
        with pytest.raises(SuiteUsageError) as caught:
            identify(session, REGION)
    assert expected in str(caught.value) and code in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_alias_is_refused() -> None:
    with StubbedSession() as session:
        session.stubs["sts"].add_response("get_caller_identity", CALLER)
        session.stubs["iam"].add_client_error(
            "list_account_aliases",
            service_error_code="AccessDenied",
            http_status_code=403,
            service_message="User is not authorized to perform: iam:ListAccountAliases",
        )
        with pytest.raises(SuiteUsageError, match="cannot read the account alias"):
            identify(session, REGION)


def test_no_credentials_at_all(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254
    with pytest.raises(SuiteUsageError, match=r"no AWS credentials found.*aws configure"):
        identify(boto3.session.Session(region_name=REGION), REGION)
    # In Japanese it names the README's section on it, which must be there under that title.
    set_language("ja")
    try:
        with pytest.raises(SuiteUsageError) as caught:
            identify(boto3.session.Session(region_name=REGION), REGION)
    finally:
        set_language("en")
    section = str(caught.value).rsplit("「", 1)[1].split("」", 1)[0]
    readme = (Path(__file__).resolve().parents[2] / "README.ja.md").read_text("utf-8")
    assert f"\n### {section}\n" in readme, section


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials anywhere but where the test puts them; the folder for the AWS files."""
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


HALF_A_KEY = {
    "in a file": (
        "aws_secret_access_key is missing in ~/.aws/credentials): set both the access key ID and "
        "the secret access key again with aws configure"
    ),
    "in the environment": (
        "the environment variable AWS_SECRET_ACCESS_KEY is missing): the environment is read "
        "before the files in ~/.aws, so set AWS_SECRET_ACCESS_KEY too, or remove the "
        "AWS_ACCESS_KEY_ID you set"
    ),
}


@pytest.mark.parametrize("place", HALF_A_KEY)
def test_half_a_key_says_what_is_missing_where(
    place: str, bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An access key ID without its secret: in a file, aws configure mends it; in the
    environment, which is read first, it does not."""
    if place == "in a file":
        (bare / "credentials").write_text("[default]\naws_access_key_id = AKIAEXAMPLE\n", "utf-8")
    else:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    with pytest.raises(SuiteUsageError) as caught:
        reach_account("--target aws", REGION, None, frozenset({"111122223333"}))
    said = "--target aws: AWS credentials only in part ("
    assert str(caught.value) == said + HALF_A_KEY[place]


SSO_PROFILE = """[profile school]
sso_session = school
sso_account_id = 111122223333
sso_role_name = AdministratorAccess

[sso-session school]
sso_start_url = https://example.awsapps.com/start
sso_region = ap-northeast-1
"""


SIGNED_IN_PROFILES = {
    # A school's accounts through IAM Identity Center: no token cached yet, or one expired.
    "IAM Identity Center": (
        SSO_PROFILE,
        "the IAM Identity Center (SSO) sign-in has expired, or was never made: sign in with "
        "aws sso login --profile school, then run this again",
    ),
    # The AWS CLI's own sign-in with the console's credentials (aws login), which botocore reads
    # only with awscrt (not installed by the suite).
    "aws login": (
        "[profile school]\nlogin_session = arn:aws:iam::111122223333:user/taro\n",
        "this profile signs in with aws login, which Python reads only with botocore[crt]: run "
        'pip install "botocore[crt]", then run this again, or use a profile set with aws '
        "configure",
    ),
}


@pytest.mark.parametrize("kind", SIGNED_IN_PROFILES)
def test_a_profile_signed_in_to_no_more_says_how_to_sign_in(
    kind: str, bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, said = SIGNED_IN_PROFILES[kind]
    (bare / "config").write_text(config, "utf-8")
    monkeypatch.setenv("HOME", str(bare))  # the sign-ins' caches (~/.aws/sso, ~/.aws/login)
    monkeypatch.setenv("USERPROFILE", str(bare))
    monkeypatch.setenv("AWS_PROFILE", "school")
    with pytest.raises(SuiteUsageError) as caught:
        reach_account("--target existing", REGION, None, frozenset({"111122223333"}))
    assert str(caught.value) == f"--target existing: {said}"


def test_an_aws_login_session_that_has_expired_says_how_to_sign_in_again() -> None:
    """With awscrt installed, botocore raises LoginRefreshRequired for an expired aws login
    session (botocore/credentials.py): what identify says of it, for a named profile."""
    from botocore.exceptions import LoginRefreshRequired

    class Expired:
        profile_name = "school"

        def client(self, *args: Any, **kwargs: Any) -> Any:
            raise LoginRefreshRequired()

    with pytest.raises(SuiteUsageError) as caught:
        identify(Expired(), REGION)
    assert str(caught.value) == (
        "the aws login sign-in has expired: sign in again with aws login --profile school, "
        "then run this again"
    )


def test_an_aws_config_file_that_is_not_of_its_form_is_one_line(bare: Path) -> None:
    """A heading's ] left out in Notepad: botocore raised out of every command (a traceback)."""
    (bare / "config").write_text("[default\nregion = ap-northeast-1\n", "utf-8")
    with pytest.raises(SuiteUsageError) as caught:
        reach_account("handson cleanup", REGION, None, frozenset({"111122223333"}))
    assert str(caught.value) == (
        f"handson cleanup: cannot read the AWS config file {bare / 'config'}: check the [ ] of "
        "its [default] or [profile name] lines, and its 'key = value' lines (aws configure can "
        "write it again)"
    )


ACCOUNT = Account("111122223333", "handson-sandbox", CALLER["Arn"])


def test_guard_allows_a_listed_sandbox() -> None:
    guard(ACCOUNT, frozenset({"111122223333"}))


@pytest.mark.parametrize(
    ("account", "allowed", "reason"),
    [
        (ACCOUNT, frozenset(), "no account is allowed"),
        (ACCOUNT, frozenset({"444455556666"}), "not on the allowlist"),
        (
            Account("111122223333", "corp-Prod-main", CALLER["Arn"]),
            frozenset({"111122223333"}),
            "alias contains 'prod'",
        ),
    ],
)
def test_guard_refuses(account: Account, allowed: frozenset[str], reason: str) -> None:
    with pytest.raises(SuiteUsageError, match=reason) as caught:
        guard(account, allowed)
    assert "111122223333" in str(caught.value)  # it names the account it refused


def test_allowlist_from_options_and_environment() -> None:
    assert parse_allowed(["111122223333"], "444455556666, 777788889999") == {
        "111122223333",
        "444455556666",
        "777788889999",
    }
    assert parse_allowed(None, None) == frozenset()
    with pytest.raises(SuiteUsageError, match="12 digits"):
        parse_allowed(["1234"], None)


@pytest.mark.parametrize(
    "written",
    [
        "1111-2222-3333",
        "１１１１２２２２３３３３",
        "１１１１－２２２２－３３３３",
        " 111122223333 ",
    ],
    ids=["as the console's menu shows it", "full-width digits", "full-width, grouped", "spaced"],
)
def test_an_account_id_as_a_person_writes_it_is_the_account_id(written: str) -> None:
    assert parse_allowed([written], None) == {"111122223333"}


@pytest.mark.parametrize("written", ["1111-2222-333", "11112222-3333", "1111 2222 3333", "1e11"])
def test_an_account_id_of_any_other_form_is_refused(written: str) -> None:
    with pytest.raises(SuiteUsageError, match="12 digits"):
        parse_allowed([written], None)


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

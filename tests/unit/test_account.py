"""The aws target's account guard, against the responses STS and IAM really send (Stubber)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from handson.errors import SuiteUsageError
from handson.i18n import set_language
from handson.targets.account import Account, guard, identify, parse_allowed, reach_account

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


@pytest.mark.parametrize(
    ("arn", "who"),
    [
        ("arn:aws:iam::111122223333:user/handson-iam-user", "handson-iam-user"),
        ("arn:aws:sts::111122223333:assumed-role/handson-iam-role/i-0abc", "handson-iam-role"),
    ],
)
def test_the_hands_ons_own_user_or_role_is_told_to_run_as_an_administrator(
    arn: str, who: str
) -> None:
    """A learner who runs it with the only credentials the hands-on gave them: its user's
    (or, on the instance, its role's), which may read no IAM. The line says so, and what to use,
    where it asked them to allow iam:ListAccountAliases. Anyone else's refusal is as before."""
    from handson.targets.account import hands_on_principal

    with StubbedSession() as session:
        session.stubs["sts"].add_response("get_caller_identity", {**CALLER, "Arn": arn})
        session.stubs["iam"].add_client_error(
            "list_account_aliases", service_error_code="AccessDenied", http_status_code=403
        )
        with pytest.raises(SuiteUsageError) as refused:
            identify(session, REGION)
    assert str(refused.value).startswith(
        f"running with {who}'s credentials (AccessDenied): as in the hands-on, {who} may read no"
        " IAM. Run with an administrator's credentials"
    ), refused.value
    assert hands_on_principal(CALLER["Arn"]) is None
    assert hands_on_principal("arn:aws:iam::111122223333:user/handson-iam-user-2") is None


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

"""The account guard of the real-AWS target: who and where the run would act, before it acts.

The run uses the standard credential chain (profile, environment, SSO, web identity). Before
anything is created it names the account, its alias and the principal, and refuses unless the
account is on the allowlist and its alias does not contain "prod".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    ConnectTimeoutError,
    EndpointConnectionError,
    LoginError,
    MissingDependencyException,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ProxyConnectionError,
    SSLError,
    SSOError,
)

from handson.call_record import watch
from handson.errors import SuiteUsageError
from handson.i18n import listed, t
from handson.names import CONSOLE_ROLE, CONSOLE_USER
from handson.regions import checked_endpoint
from handson.transient import NOT_AN_AWS_ANSWER, NOT_AWS_CODE, retry_answers_not_aws

# The guard must answer within seconds when there is nothing to talk to.
GUARD_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10
)
# What STS's refusal says of the credentials: a word of the run's language (aws.state.*).
REFUSED_CREDENTIAL_CODES = {
    "ExpiredToken": "expired",
    "ExpiredTokenException": "expired",
    "RequestExpired": "expired",
    "InvalidClientTokenId": "invalid",
    "SignatureDoesNotMatch": "wrong_secret",
    "UnrecognizedClientException": "invalid",
}


@dataclass(frozen=True)
class Account:
    account_id: str
    alias: str | None
    principal_arn: str

    def describe(self) -> str:
        """The account, its alias and the principal, in the run's language."""
        alias = t("account.alias", alias=self.alias) if self.alias else t("account.no_alias")
        return t(
            "account.described", account=self.account_id, alias=alias, principal=self.principal_arn
        )

    def line(self, target: str, region: str) -> str:
        """What a run on this account says before it acts: who and where."""
        return t("account.line", target=target, account=self.describe(), region=region)


class AccountRefused(SuiteUsageError):
    """identify's or guard's refusal, worded without who refuses: speaking_as says who."""


@contextmanager
def speaking_as(who: str | None) -> Iterator[None]:
    """A refusal of the account (AccountRefused) or of the AWS profile, as one line of ``who``'s
    (``--target aws: ...``, ``handson cleanup: ...``; None: the reason alone)."""
    try:
        yield
    except ProfileNotFound as exc:
        profile = exc.kwargs.get("profile", "")
        reason = t("aws.profile", profile=profile)
    except ConfigParseError as exc:
        reason = config_unreadable(exc)
    except AccountRefused as exc:
        reason = str(exc)
    else:
        return
    raise SuiteUsageError(f"{who}: {reason}" if who else reason)


# Where botocore found half a key (PartialCredentialsError's provider), as a learner names it.
CREDENTIAL_PLACES = {
    "shared-credentials-file": "aws.place.credentials_file",
    "config-file": "aws.place.config_file",
}


def _signing_in(command: str, session: Any) -> str:
    """The command that signs in again, for the profile the run uses."""
    profile = getattr(session, "profile_name", None)
    return f"{command} --profile {profile}" if profile and profile != "default" else command


def partial_credentials(error: PartialCredentialsError) -> str:
    """Half a key: an access key ID without its secret, in the environment or a file."""
    provider = str(error.kwargs.get("provider", ""))
    missing = error.kwargs.get("cred_var", "?")
    if provider == "env":  # ahead of every file: aws configure would not mend it
        return t("aws.partial_credentials_env", missing=missing)
    where = t(CREDENTIAL_PLACES[provider]) if provider in CREDENTIAL_PLACES else provider
    return t("aws.partial_credentials", where=where, missing=missing)


def config_unreadable(error: ConfigParseError) -> str:
    """An AWS config or credentials file that is not of their form (a heading's ] left out)."""
    return t("aws.config_unreadable", path=error.kwargs.get("path", "?"))


def identify(session: Any, region: str, endpoint_url: str | None = None) -> Account:
    """Ask STS and IAM who the credentials belong to; one-line errors for every way it fails."""
    try:
        sts = _recorded(
            session.client(
                "sts", region_name=region, endpoint_url=endpoint_url, config=GUARD_CONFIG
            )
        )
        caller = sts.get_caller_identity()
    except NoCredentialsError:
        raise AccountRefused(t("aws.no_credentials")) from None
    except PartialCredentialsError as exc:
        raise AccountRefused(partial_credentials(exc)) from None
    except SSOError:  # no token cached yet, or one that has expired
        said = t("aws.sso_login", command=_signing_in("aws sso login", session))
        raise AccountRefused(said) from None
    except MissingDependencyException as exc:
        if "botocore[crt]" not in str(exc):
            raise AccountRefused(unreachable(exc)) from None
        # The AWS CLI's own sign-in (aws login): botocore reads it only with awscrt, which the
        # suite does not install (a compiled package, for one way of signing in).
        raise AccountRefused(t("aws.login_needs_crt")) from None
    except LoginError:  # the AWS CLI's own sign-in (aws login), expired
        said = t("aws.login_again", command=_signing_in("aws login", session))
        raise AccountRefused(said) from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == NOT_AWS_CODE:
            where = endpoint_url or "AWS STS"
            raise AccountRefused(t("aws.not_sts", where=where, error=code)) from None
        state = REFUSED_CREDENTIAL_CODES.get(code)
        if state:
            said = t(f"aws.state.{state}")
            raise AccountRefused(t("aws.refused_credentials", state=said, code=code)) from None
        raise AccountRefused(t("aws.sts_refused", code=code)) from None
    except BotoCoreError as exc:
        raise AccountRefused(unreachable(exc)) from None
    except NOT_AN_AWS_ANSWER as exc:
        where = endpoint_url or "AWS STS"
        raise AccountRefused(t("aws.not_sts", where=where, error=type(exc).__name__)) from None
    return Account(
        str(caller["Account"]),
        _alias(session, region, endpoint_url, str(caller["Arn"])),
        str(caller["Arn"]),
    )


def unreachable(error: BotoCoreError) -> str:
    """Why AWS could not be reached, and what a learner checks, for the ways a school's or a
    company's network stops it: a proxy that does not answer, a network that inspects HTTPS
    (its own certificate in the way), no route at all. Anything else in botocore's words."""
    endpoint = str(error.kwargs.get("endpoint_url", "AWS STS"))
    if isinstance(error, ProxyConnectionError):
        # botocore has already masked a user name and password in the proxy's URL.
        return t("aws.proxy_unreachable", proxy=error.kwargs.get("proxy_url", "?"))
    if isinstance(error, SSLError):
        return t("aws.tls_unverified", endpoint=endpoint)
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return t("aws.no_route", endpoint=endpoint)
    return t("aws.sts_unreachable", error=f"{type(error).__name__}: {_one_line(str(error))}")


def _alias(session: Any, region: str, endpoint_url: str | None, caller: str) -> str | None:
    iam = _recorded(
        session.client("iam", region_name=region, endpoint_url=endpoint_url, config=GUARD_CONFIG)
    )
    try:
        aliases = iam.list_account_aliases().get("AccountAliases", [])
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == NOT_AWS_CODE:
            raise AccountRefused(t("aws.alias_unreadable", error=code)) from None
        hands_on = hands_on_principal(caller)
        if hands_on:  # its own user or role, which the hands-on lets read no IAM
            raise AccountRefused(t("aws.hands_on_caller", who=hands_on, code=code)) from None
        raise AccountRefused(t("aws.alias_denied", code=code)) from None
    except (BotoCoreError, *NOT_AN_AWS_ANSWER) as exc:
        raise AccountRefused(t("aws.alias_unreadable", error=type(exc).__name__)) from None
    return str(aliases[0]) if aliases else None


def hands_on_principal(arn: str) -> str | None:
    """The hands-on's own user or role (as the console makes them) that ``arn`` is, if it is:
    credentials a learner has at hand, which the hands-on lets read no IAM."""
    resource = arn.split(":", 5)[-1]
    if resource == f"user/{CONSOLE_USER}":
        return CONSOLE_USER
    if resource.startswith(f"assumed-role/{CONSOLE_ROLE}/"):
        return CONSOLE_ROLE
    return None


def _recorded(client: Any) -> Any:
    # The guard's clients are the run's (or the sweep's) first, made before any Principal:
    # recorded as the provisioning identity's, whose permissions they need (--record-calls).
    # An answer that is not AWS's is sent again, as by every client of the suite; one that stays
    # so is a ClientError named NOT_AWS_CODE, said below as "not STS", never as a refusal.
    return watch(retry_answers_not_aws(client), "provisioning", "account guard")


def guard(account: Account, allowed: frozenset[str]) -> None:
    """Refuse, in one line, an account that is not on the allowlist or looks like production."""
    if not allowed:
        raise AccountRefused(t("aws.none_allowed", account=account.describe()))
    if account.account_id not in allowed:
        raise AccountRefused(
            t("aws.not_allowed", account=account.describe(), allowed=listed(sorted(allowed)))
        )
    if account.alias and "prod" in account.alias.lower():
        raise AccountRefused(t("aws.prod", account=account.describe()))


def written_account_id(value: str) -> str:
    """An account ID as a person may write it, as AWS writes it: the console's menu shows
    ``1111-2222-3333``, and digits typed with a Japanese input method on are full-width
    (``１１１１…``, NFKC's ``1111…``). Anything else is returned as it is, for the caller to
    refuse."""
    plain = unicodedata.normalize("NFKC", value).strip()
    return plain.replace("-", "") if _GROUPED_ID.fullmatch(plain) else plain


_GROUPED_ID = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}")
ACCOUNT_ID = re.compile(r"[0-9]{12}")


def parse_allowed(values: list[str] | None, environ_value: str | None) -> frozenset[str]:
    """Account IDs from repeated --allowed-account options and/or a comma-separated variable."""
    raw = [*(values or []), *((environ_value or "").split(","))]
    ids = {written_account_id(v) for v in raw if v.strip()}
    bad = sorted(v for v in ids if not ACCOUNT_ID.fullmatch(v))
    if bad:
        raise SuiteUsageError(t("aws.bad_account_id", value=repr(bad[0])))
    return frozenset(ids)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def reach_account(
    who: str | None,
    region: str,
    endpoint_url: str | None,
    allowed: frozenset[str],
    announce: Callable[[Account], None] = lambda account: None,
) -> tuple[Any, Account]:
    """Everything a command checks before it acts in an account, as one line of ``who``'s when
    it refuses (speaking_as): whose credentials (identify), said before the verdict
    (``announce``), and whether that account may be used (guard). The session and account."""
    import boto3

    with speaking_as(who):
        if endpoint_url:
            checked_endpoint(endpoint_url)
        session = boto3.session.Session(region_name=region)
        account = identify(session, region, endpoint_url)
        announce(account)
        guard(account, allowed)
    return session, account


def aws_preflight(settings: Any, say: Callable[[str], None]) -> tuple[Any, Account]:
    """Everything the aws target checks before it may create anything: who, where, allowed."""
    return reach_account(
        "--target aws",
        settings.region,
        settings.endpoint_url,
        settings.allowed_accounts,
        lambda account: say(account.line("aws", settings.region)),
    )

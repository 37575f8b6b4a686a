"""Unit tests of handson.settings: options from the command line and the environment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from handson.errors import SuiteUsageError
from handson.names import PLACEHOLDER, validate_name
from handson.policies import (
    MANAGED_POLICY_MAX_CHARS,
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    policy_size,
)
from handson.settings import (
    DEFAULT_REGION,
    FLAGS,
    OPTIONS,
    default_of,
    language_of,
    resolve,
)
from tests.helpers.english_words import english_words


def usage_error(cli: dict[str, Any], environ: dict[str, str] | None = None) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        resolve(cli, environ or {})
    message = str(caught.value)
    assert "\n" not in message
    return message


def own_policies(directory: Path) -> Path:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    for name in (USER_POLICY_FILE, ROLE_POLICY_FILE):
        (directory / name).write_text(json.dumps(document), encoding="utf-8")
    return directory


def test_defaults_with_an_empty_environment() -> None:
    settings = resolve({}, {})
    assert settings.target == "emulator"
    assert settings.region == DEFAULT_REGION == "ap-northeast-1"
    assert validate_name(settings.names.suffix) == settings.names.suffix
    assert settings.policies.user.path == SEED_DIR / USER_POLICY_FILE
    assert settings.policies_dir is None
    assert settings.keep is False
    assert settings.endpoint_url is None


def test_empty_environment_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANDSON_REGION", "eu-west-1")
    assert resolve({}, {}).region == DEFAULT_REGION


def test_environment_variables_are_used(tmp_path: Path) -> None:
    environ = {
        "HANDSON_NAME": "fromenv",
        "HANDSON_REGION": "us-east-1",
        "HANDSON_KEEP": "1",
        "HANDSON_POLICIES": str(own_policies(tmp_path)),
        "HANDSON_ENDPOINT_URL": "http://127.0.0.1:5000",
        "HANDSON_TARGET": "emulator",
    }
    settings = resolve({}, environ)
    assert settings.names.suffix == "fromenv"
    assert settings.names.bucket1 == "handson-s3-1-fromenv"
    assert settings.region == "us-east-1"
    assert settings.keep is True
    assert settings.policies_dir == tmp_path
    assert settings.policies.user.path == tmp_path / USER_POLICY_FILE
    assert settings.policies.trust.path == SEED_DIR / TRUST_POLICY_FILE
    assert settings.endpoint_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("value", "keep"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_keep_from_the_environment(value: str, keep: bool) -> None:
    assert resolve({"keep": False}, {"HANDSON_KEEP": value}).keep is keep


def test_command_line_wins_over_the_environment() -> None:
    environ = {
        "HANDSON_NAME": "fromenv",
        "HANDSON_REGION": "us-east-1",
        "HANDSON_ENDPOINT_URL": "http://127.0.0.1:5000",
    }
    cli = {
        "name": "fromcli",
        "region": "eu-west-1",
        "keep": True,
        "endpoint_url": "https://localhost:4566",
    }
    settings = resolve(cli, environ)
    assert settings.names.suffix == "fromcli"
    assert settings.region == "eu-west-1"
    assert settings.keep is True
    assert settings.endpoint_url == "https://localhost:4566"


def test_unset_command_line_options_fall_back_to_the_environment() -> None:
    # What config.getoption gives for options left out: None, and False for the --keep flag.
    cli = {"target": None, "name": None, "region": None, "policies": None, "keep": False}
    settings = resolve(cli, {"HANDSON_NAME": "fromenv", "HANDSON_REGION": "us-east-1"})
    assert settings.names.suffix == "fromenv"
    assert settings.region == "us-east-1"


def test_target_aws_with_its_allowlist() -> None:
    settings = resolve(
        {"target": "aws", "allowed_account": ["111122223333"]},
        {"HANDSON_ALLOWED_ACCOUNTS": "444455556666"},
    )
    assert settings.target == "aws"
    assert settings.allowed_accounts == {"111122223333", "444455556666"}
    assert resolve({}, {"HANDSON_TARGET": "aws"}).allowed_accounts == frozenset()
    assert "12 digits" in usage_error({"allowed_account": ["12345"]})


@pytest.mark.parametrize(
    ("cli", "option"),
    [
        pytest.param({"target": "gcp"}, "--target", id="unknown-target"),
        pytest.param({"region": "tokyo"}, "--region", id="bad-region"),
        pytest.param({"endpoint_url": "ftp://x"}, "--endpoint-url", id="bad-endpoint"),
        pytest.param({"name": "Bad_Name"}, "--name", id="bad-name"),
    ],
)
def test_bad_values_raise_one_line_usage_errors(cli: dict[str, Any], option: str) -> None:
    assert option in usage_error(cli)


def test_bad_value_from_the_environment_is_reported(tmp_path: Path) -> None:
    """Named by the variable that set it (no option was typed)."""
    assert usage_error({}, {"HANDSON_REGION": "tokyo"}).startswith("HANDSON_REGION 'tokyo'")
    nowhere = str(tmp_path / "nowhere")
    assert usage_error({}, {"HANDSON_POLICIES": nowhere}).startswith("HANDSON_POLICIES ")


@pytest.mark.parametrize("option", ["region", "name"])
def test_trailing_newline_is_rejected(option: str) -> None:
    value = {"region": "ap-northeast-1\n", "name": "yourname\n"}[option]
    usage_error({option: value})


def test_endpoint_with_a_space_is_rejected() -> None:
    usage_error({"endpoint_url": "http://localhost:5000 x"})


@pytest.mark.parametrize("given", ["localhost:5000", "127.0.0.1:5000/", "emulator:4566"])
def test_an_endpoint_without_its_scheme_is_told_the_url_meant(given: str) -> None:
    """As a server's own start-up line may print it: the line gives the URL to write."""
    message = usage_error({"endpoint_url": given})
    assert f"a URL starts with http:// (http://{given})" in message, message


def test_every_command_checks_the_endpoint_before_it_reaches_an_account() -> None:
    from handson.targets.account import reach_account

    with pytest.raises(SuiteUsageError, match=r"\(http://localhost:5000\)"):
        reach_account("handson sweep", "ap-northeast-1", "localhost:5000", frozenset())


def test_host_profile_and_config_do_not_touch_the_suites_own_clients(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from handson.aws import Credentials, Principal

    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-west-2\n[profile host]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    principal = Principal(
        "p", Credentials("AKIDEXAMPLE", "not-a-secret"), "ap-northeast-1", "http://127.0.0.1:9"
    )
    client = principal.client("sts")  # a host profile that does not exist breaks nothing
    assert client.meta.region_name == "ap-northeast-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


def test_reports_kept() -> None:
    """How many finished runs' reports stay (handson.old_runs): 20 unless told, 0 keeps all;
    anything but a whole number is one line before the run makes anything."""
    assert resolve({}, {}).keep_reports == 20
    assert resolve({"keep_reports": "5"}, {}).keep_reports == 5
    assert resolve({"keep_reports": " 0 "}, {}).keep_reports == 0
    assert resolve({}, {"HANDSON_KEEP_REPORTS": "50"}).keep_reports == 50
    for bad in ("-1", "2.5", "all", "٣"):  # an Arabic-Indic digit: isdigit takes it
        expected = "the number of runs to keep, a whole number from 0 (0 keeps all)"
        assert usage_error({"keep_reports": bad}) == f"--keep-reports {bad!r}: {expected}"


@pytest.mark.parametrize(
    ("option", "typed", "meant"),
    [
        ("region", "ａｐ－ｎｏｒｔｈｅａｓｔ－１", "ap-northeast-1"),
        ("target", "ｅｍｕｌａｔｏｒ", "emulator"),
        ("keep_reports", "１０", "10"),
        ("practices", "ｓｔｒｉｃｔ\u3000", "strict"),
        ("instance_type", "ｔ３.micro", "t3.micro"),
    ],
)
def test_a_value_typed_in_full_width_is_shown_in_ascii(option: str, typed: str, meant: str) -> None:
    """A Japanese input method left on types ASCII words in full width: one line that shows the
    value as it was meant, from the command line or the environment."""
    said = (
        f"{typed!r}: holds full-width characters (a Japanese input method was on): type {meant!r}"
    )
    assert usage_error({option: typed}) == "--" + option.replace("_", "-") + " " + said
    assert usage_error({}, {OPTIONS[option]: typed}) == f"{OPTIONS[option]} {said}"


def test_a_folder_in_japanese_is_not_a_full_width_slip(tmp_path: Path) -> None:
    folder = tmp_path / "ポリシー１"
    shutil.copytree(SEED_DIR, folder)
    assert resolve({"policies": str(folder)}, {}).policies_dir == folder


def test_propagation_budget() -> None:
    assert resolve({}, {}).propagation_budget is None
    assert resolve({"propagation_budget": "300"}, {}).propagation_budget == 300
    assert resolve({}, {"HANDSON_PROPAGATION_BUDGET": "45"}).propagation_budget == 45
    for bad in ("soon", "-1", "99999"):
        assert "--propagation-budget" in usage_error({"propagation_budget": bad})


# -- regions: botocore's endpoint data, every partition ---------------------------------------


def test_lang_and_target_are_read_whatever_their_case() -> None:
    assert (
        language_of({"lang": "EN"}, {}) == "en" and language_of({}, {"HANDSON_LANG": "Ja"}) == "ja"
    )
    assert resolve({"target": "Emulator"}, {}).target == "emulator"


VALUE_OPTIONS = [option for option in OPTIONS if option not in (*FLAGS, "allowed_account")]


@pytest.mark.parametrize("option", VALUE_OPTIONS)
def test_an_option_given_empty_is_refused(option: str) -> None:
    flag = "--" + option.replace("_", "-")
    message = usage_error({option: ""})
    assert message.startswith(f"{flag}: given empty; leave the option out")


def test_empty_region_names_the_default() -> None:
    assert usage_error({"region": ""}) == (
        "--region: given empty; leave the option out to use the default (ap-northeast-1)"
    )


@pytest.mark.parametrize("option", VALUE_OPTIONS)
def test_an_empty_option_names_its_default_in_japanese(option: str, japanese: None) -> None:
    """The default in the run's language (a value as it is typed stays as it is)."""
    message = usage_error({option: ""})
    default = default_of(option)
    assert f"既定値（{default}）を使うならオプションごと外してください" in message
    assert english_words(default) in ([], [default]), default  # words, or one value as typed


@pytest.mark.parametrize("option", ["region", "name", "target"])
def test_an_empty_option_is_refused_even_with_the_variable_set(option: str) -> None:
    environ = {"HANDSON_REGION": "us-east-1", "HANDSON_NAME": "fromenv", "HANDSON_TARGET": "aws"}
    assert f"--{option}: given empty" in usage_error({option: ""}, environ)


def test_empty_environment_variables_mean_not_set() -> None:
    environ = {variable: "" for variable in OPTIONS.values()}
    settings = resolve({}, environ)
    assert settings.target == "emulator"
    assert settings.region == DEFAULT_REGION
    assert validate_name(settings.names.suffix) == settings.names.suffix
    assert settings.policies.user.path == SEED_DIR / USER_POLICY_FILE
    assert settings.keep is False
    assert settings.endpoint_url is None
    assert settings.subnet_id is None
    assert settings.permissions_boundary is None
    assert settings.propagation_budget is None
    assert settings.allowed_accounts == frozenset()


@pytest.mark.parametrize("values", [[""], ["111122223333", ""], ["  "]])
def test_an_empty_allowed_account_is_refused(values: list[str]) -> None:
    message = usage_error({"target": "aws", "allowed_account": values})
    assert message.startswith("--allowed-account: given empty")


# -- policy sizes, with the run's name in place ----------------------------------------------


def role_policy_of_size(directory: Path, size: int, name: str) -> Path:
    """Own policies whose role policy is exactly ``size`` characters once ``name`` is in place."""
    own_policies(directory)

    def document(padding: int) -> dict[str, Any]:
        resource = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER}/" + "x" * padding
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
        }

    def rendered_size(padding: int) -> int:
        text = json.dumps(document(padding), ensure_ascii=False)
        return policy_size(json.loads(text.replace(PLACEHOLDER, name)))

    padding = size - rendered_size(0)
    assert rendered_size(padding) == size
    text = json.dumps(document(padding), indent=2, ensure_ascii=False)
    (directory / ROLE_POLICY_FILE).write_text(text, encoding="utf-8")
    return directory


def test_policy_sizes_count_the_runs_name(tmp_path: Path) -> None:
    directory = str(role_policy_of_size(tmp_path, MANAGED_POLICY_MAX_CHARS, "abcdefghij"))
    assert resolve({"name": "abcdefghij", "policies": directory}, {}).policies_dir == tmp_path
    message = usage_error({"name": "abcdefghijk", "policies": directory})
    assert message == (
        f"{tmp_path / ROLE_POLICY_FILE}: 6,145 characters without whitespace; "
        "IAM allows 6,144 in a managed policy"
    )


@pytest.mark.parametrize(
    ("cli", "words"),
    [
        ({"live": True}, "for --target existing only"),
        ({"target": "aws", "user_profile": "me"}, "for --target existing only"),
        ({"target": "existing", "temporary_user_key": True}, "add --live"),
        (
            {"target": "existing", "live": True, "user_profile": "me", "temporary_user_key": True},
            "not both",
        ),
        ({"target": "existing", "policies": "mine"}, "--policies is not for --target existing"),
        (
            {
                "target": "existing",
                "permissions_boundary": "arn:aws:iam::111122223333:policy/b",
            },
            "--permissions-boundary is not for --target existing",
        ),
    ],
)
def test_live_and_its_user_keys_go_together(cli: dict[str, Any], words: str) -> None:
    assert words in usage_error(cli)


def test_live_with_a_profile_is_taken() -> None:
    settings = resolve({"target": "existing", "live": True, "user_profile": "me"}, {})
    assert settings.live and settings.user_profile == "me" and not settings.emulated
    assert settings.decided_on == "live" and settings.emulator_url is None


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:policy/handson-iam-acceptance-boundary",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",  # AWS takes an AWS managed one too
        "arn:aws:iam::111122223333:policy/team/sandbox-boundary",
    ],
)
def test_a_permissions_boundary_is_a_managed_policy_arn(arn: str) -> None:
    assert resolve({"permissions_boundary": arn}, {}).permissions_boundary == arn


@pytest.mark.parametrize(
    "arn",
    ["AmazonS3FullAccess", "arn:aws:iam::1234:policy/x", "arn:aws:iam::aws:role/x"],
)
def test_anything_else_is_one_line(arn: str) -> None:
    assert usage_error({"permissions_boundary": arn}).startswith(f"--permissions-boundary '{arn}'")

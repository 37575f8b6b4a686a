"""Unit tests of handson.names: the run's suffix and every name built from it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from handson.errors import SuiteUsageError
from handson.names import (
    MAX_NAME_LENGTH,
    PLACEHOLDER,
    RunNames,
    default_name,
    parse_timestamp,
    validate_name,
    validate_run_id,
)

LONGEST = "a" * MAX_NAME_LENGTH


# A period too, as S3 allows it: a learner's buckets may be handson-s3-1-taro.yamada.
@pytest.mark.parametrize(
    "name", ["20261129-k3x9qa", "yourname", "abc", LONGEST, "a-b-c", "taro.yamada", "a.b-c"]
)
def test_valid_names_are_returned(name: str) -> None:
    assert validate_name(name) == name


def test_longest_name_is_forty_characters() -> None:
    assert len(LONGEST) == 40
    validate_name("x" * 40)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ab", id="too-short"),
        pytest.param("a" * 41, id="too-long"),
        pytest.param("YourName", id="uppercase"),
        pytest.param("your_name", id="underscore"),
        pytest.param("your..name", id="two-periods"),
        pytest.param("your.", id="trailing-period"),
        pytest.param(".abc", id="leading-period"),
        pytest.param("-abc", id="leading-hyphen"),
        pytest.param("abc-", id="trailing-hyphen"),
        pytest.param("a--b", id="double-hyphen"),
        pytest.param("abc-s3alias", id="s3alias-suffix"),
        pytest.param("abc--ol-s3", id="ol-s3-suffix"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_names_raise_one_line_usage_error(name: str) -> None:
    with pytest.raises(SuiteUsageError) as caught:
        validate_name(name)
    message = str(caught.value)
    assert "\n" not in message
    assert "--name" in message


def test_trailing_newline_is_rejected() -> None:
    with pytest.raises(SuiteUsageError):
        validate_name("yourname\n")


def test_two_periods_in_a_row_are_named() -> None:
    with pytest.raises(SuiteUsageError, match=r"no two periods in a row"):
        validate_name("taro..yamada")


def test_reserved_suffix_message_names_the_suffix() -> None:
    with pytest.raises(SuiteUsageError, match=r"ending in '-s3alias'"):
        validate_name("abc-s3alias")


def test_default_name_is_date_plus_six_random_characters() -> None:
    name = default_name(date(2026, 11, 29))
    assert re.fullmatch(r"20261129-[a-z0-9]{6}", name)
    assert validate_name(name) == name


def test_default_name_is_random() -> None:
    day = date(2026, 11, 29)
    assert default_name(day) != default_name(day)


def test_default_name_without_a_date_uses_today() -> None:
    assert default_name().startswith(date.today().strftime("%Y%m%d") + "-")


def test_run_names_reject_an_invalid_suffix() -> None:
    with pytest.raises(SuiteUsageError):
        RunNames("Bad_Name")


def test_names_fit_aws_limits_for_the_longest_suffix() -> None:
    names = RunNames(LONGEST)
    for bucket in (names.bucket1, names.bucket2, names.scratch_bucket):
        assert LONGEST in bucket
        assert len(bucket) <= 63, bucket
    for iam_name in (
        names.user,
        names.role,
        names.user_policy,
        names.role_policy,
        names.instance_profile,
    ):
        assert LONGEST in iam_name
        assert len(iam_name) <= 64, iam_name
    assert names.run_id in names.admin_user and len(names.admin_user) <= 64


def test_names_of_two_runs_differ() -> None:
    one, two = RunNames("one-run"), RunNames("two-run")
    for attribute in ("user", "role", "bucket1", "bucket2", "scratch_bucket", "admin_user"):
        assert getattr(one, attribute) != getattr(two, attribute)


def test_render_replaces_every_placeholder() -> None:
    names = RunNames("abc")
    text = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER} and arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/*"
    rendered = names.render(text)
    assert PLACEHOLDER not in rendered
    assert rendered == "arn:aws:s3:::handson-s3-1-abc and arn:aws:s3:::handson-s3-2-abc/*"


def test_render_replaces_the_placeholder_written_as_json_escapes() -> None:
    """A tool that writes JSON in ASCII only escapes the placeholder (\\u81ea...): the document
    means the same, and so it is rendered the same, whatever the escapes' case."""
    import json

    names = RunNames("abc")
    arn = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER}/*"
    escaped = json.dumps({"Resource": arn})  # ensure_ascii: every character of it escaped
    assert "\\u81ea" in escaped
    for text in (escaped, escaped.replace("\\u81ea", "\\u81EA")):
        assert json.loads(names.render(text)) == {"Resource": "arn:aws:s3:::handson-s3-1-abc/*"}


def test_tags_carry_the_run_and_the_name() -> None:
    names = RunNames("abc")
    assert names.tags["handson:name"] == "abc"
    assert names.tags["handson:run"] == names.run_id
    assert validate_run_id(names.run_id) == names.run_id
    assert parse_timestamp(names.tags["handson:started-at"]) is not None
    assert parse_timestamp(names.tags["handson:expires-at"]) is not None


def test_two_runs_of_one_name_have_their_own_ids() -> None:
    assert RunNames("abc").run_id != RunNames("abc").run_id


@pytest.mark.parametrize("bad", ["", "abc", "20261130-011500", "20261130-011500-ABCDEF", "x" * 22])
def test_run_ids_are_checked(bad: str) -> None:
    with pytest.raises(SuiteUsageError, match="not a run ID"):
        validate_run_id(bad)


def test_tag_list_includes_extra_tags() -> None:
    tags = RunNames("abc").tag_list(Name="x")
    assert {"Key": "Name", "Value": "x"} in tags
    assert {"Key": "handson:name", "Value": "abc"} in tags
    assert all(set(tag) == {"Key", "Value"} for tag in tags)


@pytest.mark.usefixtures("japanese")
@pytest.mark.parametrize(
    ("name", "hint"),
    [
        pytest.param("太郎", "ローマ字で書いてください", id="japanese"),
        pytest.param("ｔａｒｏ", "'taro' なら使えます", id="full-width"),
        pytest.param("taro\u3000", "'taro' なら使えます", id="full-width-space"),
        pytest.param("Ｔａｒｏ＿Ｙａｍａｄａ", "'taro-yamada' なら使えます", id="full-width-words"),
        pytest.param("山田taro", "ローマ字で書いてください", id="mixed"),
        pytest.param("Taro", "'taro' なら使えます", id="uppercase"),
        pytest.param("Taro_Yamada", "'taro-yamada' なら使えます", id="underscore"),
        pytest.param("Taro.Yamada", "'taro.yamada' なら使えます", id="period"),
    ],
)
def test_a_name_with_wrong_characters_is_told_what_would_do(name: str, hint: str) -> None:
    """The characters are named before the length: '太郎' is two characters, and being told to
    make it three would only lead to '太郎さん'."""
    with pytest.raises(SuiteUsageError) as caught:
        validate_name(name)
    message = str(caught.value)
    assert message.startswith(f"--name {name!r}: 英小文字（a〜z）") and hint in message
    assert "文字です" not in message


@pytest.mark.usefixtures("japanese")
@pytest.mark.parametrize("name", ["Ta", "TARO-S3ALIAS", "ab_"])
def test_no_suggestion_that_would_be_refused_too(name: str) -> None:
    with pytest.raises(SuiteUsageError) as caught:
        validate_name(name)
    assert "なら使えます" not in str(caught.value)

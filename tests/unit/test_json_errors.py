"""A policy file that is not JSON is named in the run's language with what JSON expected where
it stopped reading (handson.json_slips): a Japanese learner reads no English words of Python's
json module, and a learner's usual slips (a comma after the last item, a comment, a character
that looks like JSON's own) are named as what they are, where they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson import i18n
from handson.errors import SuiteUsageError
from handson.json_slips import JSON_ERRORS, json_error_words, slip_of
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE, load_policy_set
from tests.helpers.english_words import english_words

# A learner's slips, each as json.loads meets it: the messages Python 3.11 to 3.13 give for them.
SLIPS = {
    "a comma after the last action": '{"Action": ["s3:GetObject",]}',
    "a comma after the last element": '{"Effect": "Allow",}',
    "no comma between two elements": '{"Effect": "Allow" "Action": "s3:*"}',
    "no colon": '{"Effect" "Allow"}',
    "a name without quotes": '{Effect: "Allow"}',
    "a quote never closed": '{"Effect": "Allow}',
    "a tab inside a string": '{"Effect": "Al\tlow"}',
    "a Windows path's backslash": '{"Sid": "C:\\Users"}',
    "a short unicode escape": '{"Sid": "\\u12"}',
    "two documents": '{"Effect": "Allow"} {}',
    "an empty file": "",
}


def error_of(text: str) -> json.JSONDecodeError:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return caught.value


def message_of(text: str) -> str:
    return error_of(text).msg


@pytest.mark.parametrize("slip", list(SLIPS))
def test_each_slip_is_worded_in_japanese(slip: str, japanese: None) -> None:
    message = message_of(SLIPS[slip])
    worded = json_error_words(message)
    assert worded != message
    assert english_words(worded) == [], worded


def test_every_message_has_its_words_in_both_languages(japanese: None) -> None:
    for language in ("ja", "en"):
        texts = i18n.catalogue(language)
        assert all(key in texts and texts[key].strip() for _, key in JSON_ERRORS)


def said(text: str) -> str:
    """What a learner reads of ``text`` in a file named p.json."""
    return slip_of(error_of(text)).text("p.json")


def test_a_comma_after_the_last_item_is_named_as_the_slip(japanese: None) -> None:
    assert said(SLIPS["a comma after the last action"]).endswith(": ] の前に余分な , があります")
    assert said(SLIPS["a comma after the last element"]).endswith(": } の前に余分な , があります")


@pytest.mark.parametrize(
    "slip", ["a name without quotes", "an empty file", "no comma between two elements"]
)
def test_a_comma_is_not_blamed_where_there_is_none(slip: str, japanese: None) -> None:
    assert "余分な" not in said(SLIPS[slip])


def test_a_message_python_adds_later_is_shown_in_its_own_words() -> None:
    assert json_error_words("Something new") == "Something new"


def test_the_file_line_and_column_come_with_the_words(tmp_path: Path, japanese: None) -> None:
    path = tmp_path / USER_POLICY_FILE
    path.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [],\n}\n', "utf-8")
    (tmp_path / ROLE_POLICY_FILE).write_text((SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8"))
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(tmp_path)
    said = str(caught.value)
    # The comma's own place (line 3, after "Statement": []), on every Python: 3.11 and 3.12
    # stop reading at the } after it, 3.13 at the comma.
    assert said == (
        f"{path}: 3 行目 18 文字目が JSON として正しくありません: }} の前に余分な , があります"
    )


@pytest.mark.parametrize(
    "text",
    [
        '{\n  // my policy\n  "Version": "2012-10-17"\n}',
        '{"Version": "2012-10-17", /* x */ "Statement": []}',
        '{"Version": "2012-10-17" // the date\n}',
        "# mine\n{}",
    ],
    ids=["line comment", "block comment", "comment after a value", "hash"],
)
def test_a_comment_is_named_as_one(text: str, japanese: None) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    said = slip_of(caught.value).text("p.json")
    assert said.endswith(
        ": JSON にはコメントを書けません。"
        + "ここから始まるコメント（// や /* */、#）を消してください"
    )


@pytest.mark.parametrize(
    "text", ["", "   \n", "\r\n\r\n"], ids=["nothing", "spaces", "blank lines"]
)
def test_a_file_saved_before_the_policy_was_pasted_in_is_said_to_be_empty(
    text: str, japanese: None
) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    assert slip_of(caught.value).text("p.json") == (
        "p.json: ファイルが空です。ポリシーの JSON を貼り付けて、もう一度保存してください"
    )

"""A policy file that is not JSON is named in the run's language with what JSON expected where
it stopped reading, and the usual cause (handson.policies.json_error_words): a Japanese learner
reads no English words of Python's json module."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson import i18n
from handson.errors import SuiteUsageError
from handson.policies import (
    JSON_ERRORS,
    ROLE_POLICY_FILE,
    SEED_DIR,
    USER_POLICY_FILE,
    json_error_of,
    json_error_words,
    load_policy_set,
)
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


def message_of(text: str) -> str:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return caught.value.msg


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


def test_the_trailing_comma_is_named_as_the_usual_cause(japanese: None) -> None:
    for slip in ("a comma after the last action", "a comma after the last element"):
        assert "余分な ," in json_error_words(message_of(SLIPS[slip]))


def test_a_message_python_adds_later_is_shown_in_its_own_words() -> None:
    assert json_error_words("Something new") == "Something new"


def test_the_file_line_and_column_come_with_the_words(tmp_path: Path, japanese: None) -> None:
    path = tmp_path / USER_POLICY_FILE
    path.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [],\n}\n', "utf-8")
    (tmp_path / ROLE_POLICY_FILE).write_text((SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8"))
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(tmp_path)
    said = str(caught.value)
    assert said.startswith(f"{path}: 4 行目 1 文字目が JSON として正しくありません: ")
    assert "よくある原因は、最後の要素の後ろの余分な , です" in said


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
    assert json_error_of(caught.value) == (
        "JSON にはコメントを書けません。ここから始まるコメント（// や /* */、#）を消してください"
    )

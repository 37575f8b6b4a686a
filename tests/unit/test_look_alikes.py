"""Characters that look like JSON's own but are not (handson.json_slips): typed with a Japanese
input method left on, or copied from a web page or a word processor. Where they break the JSON,
and where they sit inside a string (valid JSON, but IAM takes only U+0009, U+000A, U+000D and
U+0020 to U+00FF in a policy document), the learner reads the character, its line and column in
the file, and what to write instead, before anything is created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.errors import SuiteUsageError
from handson.json_slips import LOOK_ALIKES, mended, refused_characters, slip_of
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE, load_policy_set

POLICY = '{\n    "Version": "2012-10-17",\n    "Statement": []\n}'
QUOTE_FIX = '半角の " にしてください（Web ページやワープロからコピーすると変わります）'
MARK_FIX = "にしてください（日本語入力をオフにして打ちます）"

# Each slip as a learner makes it in a file that is then not JSON: the text, where the character
# is (line, column) and what the learner reads after "p.json: ".
BREAKING = {
    "a full-width space indenting a line": (
        POLICY.replace('    "Version', '\u3000\u3000"Version'),
        (2, 1),
        "全角スペースがあります。半角スペースにするか、消してください",
    ),
    "a no-break space from a web page": (
        POLICY.replace(": []", ":\u00a0[]"),
        (3, 17),
        "、見た目は空白でも JSON の空白ではない文字（U+00A0。Web ページからのコピーで入ります）"
        "があります。半角スペースにしてください",
    ),
    "a zero-width space": (
        POLICY.replace("{\n", "{\u200b\n"),
        (1, 2),
        "目に見えない文字（U+200B）があります。その文字を消してください"
        "（カーソルを左右に動かすと、何もないところで1回余分に止まります）",
    ),
    "curly quotes around a name": (
        POLICY.replace('"Version"', "\u201cVersion\u201d"),
        (2, 5),
        f"全角の引用符 \u201c があります。{QUOTE_FIX}",
    ),
    # The string opened with " runs on past ”: the reader stops further down, at 2012.
    "a name closed with a curly quote": (
        POLICY.replace('"Version"', '"Version\u201d'),
        (2, 13),
        f"全角の引用符 \u201d があります。{QUOTE_FIX}",
    ),
    "single quotes": (
        POLICY.replace('"Version"', "'Version'"),
        (2, 5),
        "一重引用符 ' があります。JSON の文字列と名前は \" で囲みます。' を \" にしてください",
    ),
    "a full-width colon": (
        POLICY.replace('"Version":', '"Version"\uff1a'),
        (2, 14),
        f"全角の記号 \uff1a があります。半角の : {MARK_FIX}",
    ),
    "a Japanese comma": (
        POLICY.replace('"2012-10-17",', '"2012-10-17"\u3001'),
        (2, 28),
        f"全角の記号 \u3001 があります。半角の , {MARK_FIX}",
    ),
    "a full-width bracket": (
        POLICY.replace("[]", "\uff3b]"),
        (3, 18),
        f"全角の記号 \uff3b があります。半角の [ {MARK_FIX}",
    ),
}


def slip_in(text: str) -> str:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return slip_of(caught.value).text("p.json")


@pytest.mark.parametrize("slip", list(BREAKING))
def test_a_look_alike_that_breaks_the_json_is_named_where_it_is(slip: str, japanese: None) -> None:
    text, (line, column), words = BREAKING[slip]
    assert slip_in(text) == f"p.json: {line} 行目 {column} 文字目に{words}"
    assert text.splitlines()[line - 1][column - 1] in LOOK_ALIKES


def test_a_look_alike_inside_a_string_is_not_blamed_for_a_slip_elsewhere(japanese: None) -> None:
    text = '{"Sid": "\u3001\u3000\uff1a", "Effect": "Allow",}'
    assert slip_in(text).endswith(
        "33 文字目が JSON として正しくありません: } の前に余分な , があります"
    )


def test_look_alikes_are_worded_in_english_too(english: None) -> None:
    text = BREAKING["a full-width colon"][0]
    assert slip_in(text) == (
        "p.json: line 2, column 14 holds the full-width \uff1a: write the ASCII : "
        "(type it with the Japanese input turned off)"
    )


def test_iam_takes_latin_1_and_refuses_what_is_beyond_it() -> None:
    text = '{"Sid": "caf\u00e9\u00a0\u00ff", "Effect": "Allow\u3000", "Action": "s3\uff1a*"}'
    space, colon = text.index("\u3000"), text.index("\uff1a")
    assert [s.column for s in refused_characters(text)] == [space + 1, colon + 1]
    assert [s.column for s in refused_characters(text, [range(space, space + 1)])] == [colon + 1]
    mended_document = json.loads(mended(text))
    assert mended_document == {"Sid": "caf\u00e9\u00a0\u00ff", "Effect": "Allow", "Action": "s3:*"}


def learners_files(tmp_path: Path, user: str) -> Path:
    (tmp_path / USER_POLICY_FILE).write_text(user, "utf-8")
    (tmp_path / ROLE_POLICY_FILE).write_text((SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8"))
    return tmp_path


def refusal(folder: Path) -> list[str]:
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(folder)
    return str(caught.value).splitlines()


def seed_user_policy() -> str:
    return (SEED_DIR / USER_POLICY_FILE).read_text("utf-8")


def test_a_look_alike_inside_a_value_is_refused_once_before_anything_is_made(
    tmp_path: Path, japanese: None
) -> None:
    text = seed_user_policy().replace('"Allow"', '"Allow\u3000"', 1)
    text = text.replace('"ec2:StartInstances"', '"ec2\uff1aStartInstances"')
    path = tmp_path / USER_POLICY_FILE
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "\u3000" in row)
    column = text.splitlines()[line - 1].index("\u3000") + 1
    # One line for the file: the first character, with how many more there are. The grammar is
    # read as it will be once they are mended, so "Allow　" is not refused again as an Effect.
    assert refusal(learners_files(tmp_path, text)) == [
        f"{path}: {line} 行目 {column} 文字目に全角スペースがあります。"
        "半角スペースにするか、消してください（ほかに 1 か所）"
    ]


def test_a_character_beyond_latin_1_that_looks_like_nothing_is_named_by_its_code(
    tmp_path: Path, japanese: None
) -> None:
    text = seed_user_policy().replace('"ForS3"', '"S3\u7528"')
    said = refusal(learners_files(tmp_path, text))
    assert said[0].endswith(
        "文字目の「\u7528」（U+7528）は、IAM のポリシーに書けない文字です"
        "（書けるのは半角の英数字・記号など、U+00FF までの文字だけです）"
    )


def test_the_placeholder_and_a_name_in_kanji_are_left_to_the_name_check(tmp_path: Path) -> None:
    role = (SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8")
    assert "<自分の名前>" in role and load_policy_set(SEED_DIR).role.text == role
    (tmp_path / USER_POLICY_FILE).write_text(seed_user_policy(), "utf-8")
    (tmp_path / ROLE_POLICY_FILE).write_text(role.replace("<自分の名前>", "\u5c71\u7530"), "utf-8")
    assert "\u5c71\u7530" in load_policy_set(tmp_path).role.text


def test_a_no_break_space_inside_a_value_is_taken_as_iam_takes_it(tmp_path: Path) -> None:
    text = seed_user_policy().replace('"ForS3"', '"ForS3\u00a0"')
    # IAM takes U+00A0 in a document; the grammar then has its say on the Sid.
    said = refusal(learners_files(tmp_path, text))
    assert len(said) == 1 and "U+00A0" not in said[0] and "Sid" in said[0]


def test_a_curly_quote_inside_a_string_is_refused_once_and_nothing_breaks(
    tmp_path: Path, japanese: None
) -> None:
    """Made straight, “policy” would end the string it is in: the grammar reads the file as it
    is, and the learner reads the quote's line, nothing else."""
    text = seed_user_policy().replace('"ForS3"', '"For\u201cS3\u201d"')
    said = refusal(learners_files(tmp_path, text))
    assert said[0].endswith(f"全角の引用符 \u201c があります。{QUOTE_FIX}（ほかに 1 か所）"), said

"""The message catalogues: the same keys in every language, the same placeholders in each text,
and Japanese unless English is asked for."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import pytest
from _pytest._io import TerminalWriter

from handson import i18n
from handson.catalogue import CATALOGUE
from handson.errors import SuiteUsageError
from handson.json_slips import LOOK_ALIKES
from handson.results import CATEGORIES
from handson.settings import resolve


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    ja, en = i18n.catalogue("ja"), i18n.catalogue("en")
    assert set(ja) == set(en)
    for key in ja:
        assert placeholders(ja[key]) == placeholders(en[key]), key
        assert ja[key].strip() and en[key].strip(), key


def test_a_key_as_a_value_is_worded_in_the_language_it_is_shown_in() -> None:
    said = i18n.Key("outcome.denied")  # carried untranslated until shown
    i18n.set_language("ja")
    try:
        assert i18n.t("block.as", principal=said) == "実行者: 拒否（権限エラー）"
    finally:
        i18n.set_language("en")
    assert i18n.t("block.as", principal=said) == "as: denied (authorization error)"


ROOT = Path(__file__).resolve().parents[2]
# Where the suite's code is: every message a person reads is asked for from here.
CODE = (
    "handson", "fixtures", "steps", "features", "conftest.py",
    "scripts/checklist.py", "scripts/checklist_steps.py", "scripts/python_version.py",
    "scripts/own_window.py",
)  # fmt: skip
# Keys built at run time from a value (f"kind.{...}"): each prefix names what fills it in.
BUILT = (
    "category.",  # a Category's value (report.py, class tables)
    "phase.",  # a phase's name (phases.py)
    "lookalike.",  # a look-alike character's kind (json_slips.py)
    "outcome.",  # an Outcome's value (report.py, probes.py)
    "evidence.outcome.",  # an Outcome's value in a probe's evidence (evidence.py, probes.py)
    "evidence.flag.",  # a yes, no or unknown in the evidence (steps/user_steps.py)
    "expected.",  # a checkpoint's expected outcome (report.py)
    "matrix.",  # the table's column names (report.py)
    "class.status.",  # a learner's status (class_table.py)
    "cli.",  # a subcommand's name (cli.py)
    "cleanup.kind.",  # a kind's word in the clean-up's listing (cleanup_plan.py)
    "practices.risk.",  # a finding's risk class (handson/practices)
    "cleanup.holds.",
    "ec2.state.",  # an EC2 instance's state, as AWS names it (cleanup_plan.py)
    "result.outcome.",  # a result's outcome where it has no category (report.py)
    "option.",  # a run's option, described in --help (conftest.py)
    "default.",  # what leaving an option out means (settings.py)
    "cleanup.entity.",  # an IAM entity's kind: user, role or group (cleanup_plan.py)
    "aws.state.",  # what STS's refusal says of the credentials (targets/account.py)
    "sweep.state.",  # whether the sweeper takes a resource, and why (lifecycle/sweeper.py)
    "sweep.why.",  # what marks a resource as a run's (lifecycle/sweeper.py)
    "decided_on.",  # a TargetKind's decided_on, or a scenario's decided_by (report.py)
    "target.",  # the --target name (conftest.py)
    "kind.",  # a Kind's member name (lifecycle/ownership.py)
    "existing.managed",  # a found policy's kind (targets/existing.py)
    "existing.group_",
    "existing.inline",
    "tally.line_",  # which lists the tally names (report.py)
    "policy_type.",  # a PolicyType outside the design that denied a call (verdict.py)
)


def strings_in_code() -> set[str]:
    found: set[str] = set()
    for place in CODE:
        path = ROOT / place
        for file in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text("utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_key_is_used_by_the_code() -> None:
    """A key no code asks for is a message nobody reads: remove it, or add its prefix to BUILT
    when the code builds the key from a value."""
    used = strings_in_code()
    unused = [k for k in i18n.catalogue("en") if k not in used and not k.startswith(BUILT)]
    assert unused == []


BUILT_IN_NAMES = ("emulator", "aws", "existing")


def test_every_key_built_at_run_time_has_its_words() -> None:
    from handson.lifecycle.order import Kind
    from handson.targets.registry import names

    texts = i18n.catalogue("ja")
    assert all(f"kind.{k.name.lower()}" in texts for k in Kind)
    kinds = {kind for kind, _ in LOOK_ALIKES.values()}
    assert all(f"lookalike.{kind}.{part}" in texts for kind in kinds for part in ("what", "fix"))
    # The built-in targets (a test may have registered one of its own, tests/plugins/).
    built_in = [n for n in names() if n in BUILT_IN_NAMES]
    assert set(built_in) == set(BUILT_IN_NAMES)
    assert all(f"target.{n}" in texts for n in built_in)
    for where in ("emulator", "aws", "live", "replay", "simulator", "account"):
        assert f"decided_on.{where}" in texts


def test_every_checkpoint_and_category_has_its_words() -> None:
    for language in i18n.LANGUAGES:
        texts = i18n.catalogue(language)
        assert all(c.title[language].strip() for c in CATALOGUE.values())  # checkpoints.json
        assert all(f"category.{c['name']}" in texts for c in CATEGORIES)


def test_japanese_by_default_english_on_request() -> None:
    assert i18n.DEFAULT_LANGUAGE == "ja"
    assert resolve({}, {}).lang == "ja"
    assert resolve({"lang": "en"}, {}).lang == "en"
    assert resolve({}, {"HANDSON_LANG": "en"}).lang == "en"
    i18n.set_language("ja")
    assert i18n.t("outcome.denied") == "拒否（権限エラー）"
    i18n.set_language("en")
    assert i18n.t("outcome.denied") == "denied (authorization error)"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    with pytest.raises(SuiteUsageError, match="--lang 'fr'"):
        resolve({"lang": "fr"}, {})


def test_no_space_beside_japanese_punctuation() -> None:
    # A Japanese editor sets 「…0（不合格: R4）」, never 「…0 （不合格: R4）」: full-width brackets
    # and marks carry their own space.
    beside = re.compile(r" [（「『、。）」』]|[（「『、。）」』] ")
    wrong = {k: v for k, v in i18n.catalogue("ja").items() if beside.search(v)}
    assert not wrong
    # and a Japanese question ends in a full-width mark: 「s3:GetObject のことですか？」
    ascii_question = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff）」][?!]")
    assert not {k: v for k, v in i18n.catalogue("ja").items() if ascii_question.search(v)}


def test_names_in_a_sentence_are_listed_as_the_language_lists_them() -> None:
    i18n.set_language("ja")
    try:
        assert i18n.listed(["U4", "U5"]) == "U4、U5"
        assert i18n.listed([]) == ""
    finally:
        i18n.set_language("en")
    assert i18n.listed(["U4", "U5"]) == "U4, U5"


def test_a_reason_is_wrapped_at_terminal_columns_in_either_language() -> None:
    """Japanese puts no spaces between words: a line of it may break between two wide
    characters, never before 。、 and the like; each wide character takes two columns. An ARN
    stays whole."""
    from handson.i18n import display_width, wrap_columns

    arn = "arn:aws:s3:::handson-s3-1-20261205-abcdef/test.txt"
    japanese = (
        f"ForS31 の Resource に空白が入っています。ARN に空白は入らないので、このままでは {arn} "
        "に一致しません。空白を消してください"
    )
    lines = wrap_columns(japanese, 40)
    assert all(display_width(line) <= 40 for line in lines if arn not in line), lines
    assert arn in lines, lines  # wider than nothing but itself: whole, on a line of its own
    assert "".join(lines).replace(" ", "") == japanese.replace(" ", "")
    assert not any(line.startswith(("。", "、")) for line in lines), lines
    english = "the hands-on's policy allows s3:GetObject on every object of the bucket"
    assert wrap_columns(english, 20) == [
        "the hands-on's",
        "policy allows",
        "s3:GetObject on",
        "every object of the",
        "bucket",
    ]


def test_a_section_line_with_a_japanese_title_is_as_wide_as_the_terminal() -> None:
    """pytest fills ``==== title ====`` by counting characters: a Japanese title (two columns a
    character) made the line wider than the terminal, and it broke in two."""
    lessons = "ベストプラクティス（チェックポイントの集計にも終了コードにも入りません）"
    for title in (lessons, "failures"):
        for columns in (80, 100, 120):
            out = io.StringIO()
            TerminalWriter(out).sep("=", title, fullwidth=i18n.section_width(columns, title))
            (line,) = out.getvalue().splitlines()
            assert columns - 2 <= i18n.display_width(line) <= columns, (columns, line)


def test_an_ascii_mark_after_japanese_does_not_begin_a_line() -> None:
    """「…ません: IAM コンソール…」: the colon stays with the word before it, as 。 and ） do."""
    reason = (
        "ロール handson-iam-role に AWS管理ポリシー AmazonSSMManagedInstanceCore がアタッチされて"
        "いません: IAM コンソール（ロール > handson-iam-role > 許可を追加）でアタッチしてください。"
        "そのあと、もう一度実行してください!"
    )
    for columns in range(20, 101):
        for line in i18n.wrap_columns(reason, columns):
            assert line[:1] not in ":;,.)]}!?", (columns, line)


def test_a_list_item_goes_on_under_its_text() -> None:
    lines = i18n.hanging("  5. ", "IAMロール handson-iam-role: アタッチされたポリシー なし", 30)
    assert lines[0].startswith("  5. IAMロール") and len(lines) > 1
    assert all(line.startswith("     ") for line in lines[1:])
    assert all(i18n.display_width(line) <= 30 for line in lines)
    assert i18n.hanging("  5. ", "text", None) == ["  5. text"]

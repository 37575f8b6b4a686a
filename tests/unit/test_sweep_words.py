"""What ``handson sweep`` and the account guard say, in the run's language: every state the
sweeper can give a resource, every reason STS gives for refusing credentials, and the account's
description. English reads as it always has (the slow tests match its words)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from handson.i18n import set_language, t
from handson.lifecycle.order import Kind
from handson.lifecycle.still_ours import NotTheRuns
from handson.lifecycle.sweeper import Choice, Found, Sweeper
from handson.names import timestamp
from handson.targets.account import REFUSED_CREDENTIAL_CODES, Account

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
RUN = "20261204-110000-abc123"
ENGLISH_WORDS = re.compile(r"\b(run|expires|left alone|expired|tag|record|account|as)\b")


@pytest.fixture(autouse=True)
def japanese_afterwards() -> Iterator[None]:
    yield
    set_language("ja")


def found(run: str = RUN, started: str | None = None, expires: str | None = None) -> Found:
    return Found(Kind.USER, "handson-iam-user-x", run, started, expires, lambda: None)


def every_state() -> list[tuple[Choice, Found]]:
    """A Choice and a Found for each state Choice.picks gives."""
    hour = timedelta(hours=1)
    old, new = timestamp(NOW - 2 * hour), timestamp(NOW - hour / 2)
    return [
        (Choice(NOW, run=RUN), found()),
        (Choice(NOW, run=RUN), found(run="20261204-100000-other1")),
        (Choice(NOW, older_than=hour), found()),
        (Choice(NOW, older_than=hour), found(started=old)),
        (Choice(NOW, older_than=hour), found(started=new)),
        (Choice(NOW), found()),
        (Choice(NOW), found(expires=old)),
        (Choice(NOW), found(expires=timestamp(NOW + hour))),
    ]


def test_every_state_of_the_sweeper_has_its_words_in_both_languages() -> None:
    states = set()
    for choice, item in every_state():
        _, state = choice.picks(item)
        states.add(state)
        set_language("en")
        english = item.line(state)
        set_language("ja")
        japanese = item.line(state)
        assert english.startswith("IAM user") and f"run {item.run}" in english, english
        assert japanese.startswith("IAMユーザー") and f"実行 {item.run}" in japanese, japanese
        assert not ENGLISH_WORDS.search(japanese.replace(item.name, "")), japanese
    assert len(states) == 8  # every branch of Choice.picks
    set_language("en")
    assert found().line("expired") == (
        f"IAM user         handson-iam-user-x  run {RUN}  expires None  [tag]  (expired)"
    )


@pytest.mark.parametrize("why", ["tag", "created", "intended"])
def test_what_marks_a_resource_as_a_run_s_has_its_words(why: str) -> None:
    item = Found(Kind.BUCKET, "handson-s3-1-x", RUN, None, None, lambda: None, why)
    set_language("ja")
    assert "S3バケット" in item.line("expired")
    assert not ENGLISH_WORDS.search(item.line("expired").replace(item.name, ""))


def test_the_account_is_described_in_the_run_s_language() -> None:
    account = Account("123456789012", None, "arn:aws:iam::123456789012:user/admin")
    set_language("en")
    assert account.describe() == (
        "account 123456789012 (no alias) as arn:aws:iam::123456789012:user/admin"
    )
    assert account.line("aws", "ap-northeast-1").endswith(" in ap-northeast-1")
    set_language("ja")
    said = account.describe()
    assert (
        said
        == "アカウント 123456789012（エイリアスなし、実行者 arn:aws:iam::123456789012:user/admin）"
    )
    named = Account("123456789012", "school-sandbox", "arn:aws:iam::123456789012:user/admin")
    assert "エイリアス school-sandbox" in named.describe()


@pytest.mark.parametrize("code", sorted(REFUSED_CREDENTIAL_CODES))
def test_every_refusal_of_the_credentials_is_said_in_both_languages(code: str) -> None:
    state = REFUSED_CREDENTIAL_CODES[code]
    set_language("ja")
    japanese = t("aws.refused_credentials", state=t(f"aws.state.{state}"), code=code)
    assert not re.search(r"\b(expired|not valid)\b", japanese), japanese
    set_language("en")
    assert t(f"aws.state.{state}") in {"expired", "not valid", "not valid (wrong secret key)"}


class _Listed(Sweeper):
    """A sweeper whose account holds ``items`` (no AWS: find is the only call it makes)."""

    def __init__(self, items: list[Found]) -> None:
        self.items, self.retry_budget = items, 0

    def find(self) -> list[Found]:
        return self.items


def test_a_listing_ends_saying_what_delete_would_do_or_that_nothing_was_found() -> None:
    """The listing ended with its last item, or, in an account with nothing, after its first
    line: whether anything was found, and what --delete would then remove, went unsaid."""
    said: list[str] = []
    hour = timedelta(hours=1)
    expired, fresh = found(expires=timestamp(NOW - hour)), found(expires=timestamp(NOW + hour))
    _Listed([]).sweep(NOW, say=said.append)
    assert said == [t("sweep.none")]
    said.clear()
    _Listed([expired, fresh]).sweep(NOW, say=said.append)
    assert said[-1] == t("sweep.would_delete", count=1) and "--delete" in said[-1]
    said.clear()
    _Listed([fresh]).sweep(NOW, say=said.append)
    assert said[-1] == t("sweep.none_chosen") and "--run" in said[-1]
    said.clear()
    _Listed([expired]).sweep(NOW, say=said.append, delete=True)
    assert said[-1] == t("sweep.deleted", label=expired.label())


def test_what_is_not_provably_the_run_s_is_one_line_in_each_language_and_stays() -> None:
    """A bucket a run's record names that is not as the run made it, and a resource that a read
    right before its deletion no longer finds the run's: one line each, nothing deleted, no
    failure."""
    hour = timedelta(hours=1)
    deleted: list[str] = []
    listed = Found(
        Kind.BUCKET,
        "handson-s3-1-x",
        RUN,
        None,
        timestamp(NOW - hour),
        lambda: deleted.append("listed"),
        "created",
        proven=False,
    )

    def changed_since() -> None:
        raise NotTheRuns

    reread = Found(Kind.ROLE, "handson-iam-role-x", RUN, None, timestamp(NOW - hour), changed_since)
    for lang, words in (("en", "not deleting"), ("ja", "削除しません")):
        set_language(lang)
        said: list[str] = []
        assert _Listed([listed, reread]).sweep(NOW, delete=True, say=said.append) == []
        lines = [line for line in said if words in line]
        assert len(lines) == 2 and all(RUN in line and "\n" not in line for line in lines), said
        if lang == "ja":
            assert not any(ENGLISH_WORDS.search(line.split(":", 1)[1]) for line in lines), lines
    assert deleted == []

"""A class's roster: the CSV of learners that ``python -m handson.grade`` grades, each row checked.

One row per learner: ``account`` (an AWS profile name, or a role ARN in the learner's account),
``account_id``, and optionally ``label``, ``name`` and ``endpoint_url`` (handson/grade.py).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from handson.errors import SuiteUsageError
from handson.file_words import Unreadable, read_given
from handson.i18n import listed, t
from handson.names import validate_name
from handson.regions import checked_endpoint
from handson.targets.account import ACCOUNT_ID, written_account_id

COLUMNS = ("account", "account_id", "label", "name", "endpoint_url")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
PROFILE = re.compile(r"^[\w+=,.@-]{1,64}$")
# A learner's label names their folder: letters of any script, digits, . @ _ - and single spaces
# between words; not ending with "." (Windows drops it from a folder's name).
LABEL = re.compile(r"^(?=.{1,64}$)[\w.@-]+( [\w.@-]+)*(?<!\.)$")
# What STS takes in a RoleSessionName: its \w is ASCII's.
SESSION_NAME = re.compile(r"^[A-Za-z0-9_+=,.@-]{2,64}$")


@dataclass(frozen=True)
class Learner:
    account: str  # a profile name or a role ARN
    account_id: str
    label: str
    name: str | None = None
    endpoint_url: str | None = None

    @property
    def role_arn(self) -> str | None:
        return self.account if self.account.startswith("arn:") else None

    @property
    def session_name(self) -> str:
        """The RoleSessionName the grading assumes the learner's role with (CloudTrail shows
        it): the label where STS takes it, else the account ID (a label in Japanese)."""
        named = f"handson-grade-{self.label}"[:64]
        return named if SESSION_NAME.match(named) else f"handson-grade-{self.account_id}"


def read_class(path: Path) -> list[Learner]:
    """The class's rows, each checked; a one-line error for each bad one, all at once."""
    try:
        text = read_given(path)  # Excel's CSV on a Japanese Windows is Shift_JIS: said so
    except Unreadable as why:
        raise SuiteUsageError(t("class.unreadable", path=path, error=why)) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("account", "account_id") if c not in (reader.fieldnames or [])]
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if missing or unknown:
        raise SuiteUsageError(
            t(
                "class.columns",
                path=path,
                columns=listed(COLUMNS),
                wrong=listed(missing or unknown),
            )
        )
    learners: list[Learner] = []
    refused: list[str] = []
    for line, row in enumerate(reader, start=2):
        try:
            values = _values(f"{path}:{line}", row)
            if any(values.values()):  # Excel keeps rows it once formatted as ",,,"
                learners.append(_learner(path, line, values))
        except SuiteUsageError as why:
            refused.append(str(why))
    if refused:
        raise SuiteUsageError("\n".join(refused))
    if not learners:
        raise SuiteUsageError(t("class.empty", path=path))
    labels = [learner.label for learner in learners]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise SuiteUsageError(t("class.twice", path=path, labels=listed(twice)))
    folders = [_folder_key(label) for label in labels]
    alike = [label for label, key in zip(labels, folders, strict=True) if folders.count(key) > 1]
    if alike:
        raise SuiteUsageError(t("class.same_folder", path=path, labels=listed(alike)))
    return learners


def _folder_key(label: str) -> str:
    """A label (in NFC, as read) as Windows and macOS compare folder names: in either case.
    Each learner's results go in a folder named by the label (handson/grade.py)."""
    return label.casefold()


def _values(where: str, row: dict[str | None, str | list[str] | None]) -> dict[str, str]:
    """A row's values by column, stripped. Values beyond the columns (csv's ``None`` key) are
    refused unless empty: Excel writes a trailing comma for a column it once formatted."""
    extra = row.pop(None, None) or []
    if any(value.strip() for value in extra):
        raise SuiteUsageError(t("class.extra_values", where=where, values=listed(extra)))
    return {str(k): str(v or "").strip() for k, v in row.items()}


def _account_id(where: str, value: str) -> None:
    """A 12-digit account ID, or a line that says what Excel does to one."""
    if ACCOUNT_ID.fullmatch(value):
        return
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+\d+", value):
        raise SuiteUsageError(t("class.account_id_exponent", where=where, value=value))
    if re.fullmatch(r"\d{1,11}", value):
        raise SuiteUsageError(
            t("class.account_id_short", where=where, value=value, digits=len(value))
        )
    raise SuiteUsageError(t("class.account_id", where=where, value=repr(value)))


def _learner(path: Path, line: int, row: dict[str, str]) -> Learner:
    where = f"{path}:{line}"
    account, account_id = row.get("account", ""), written_account_id(row.get("account_id", ""))
    if not (ROLE_ARN.match(account) or PROFILE.match(account)):
        raise SuiteUsageError(t("class.account", where=where, value=repr(account)))
    _account_id(where, account_id)
    arn = ROLE_ARN.match(account)
    if arn and arn[1] != account_id:
        raise SuiteUsageError(t("class.role_account", where=where, arn=account, id=account_id))
    # One form of each character: が, not か and ゛ as macOS's editors may write it.
    label = unicodedata.normalize("NFC", row.get("label") or account.rsplit("/", 1)[-1])
    if not LABEL.match(label):
        raise SuiteUsageError(t("class.label", where=where, value=repr(label)))
    name = row.get("name") or None
    if name:
        validate_name(name, where=f"{where} name {name!r}")
    endpoint = row.get("endpoint_url") or None
    if endpoint:
        checked_endpoint(endpoint)
    return Learner(account, account_id, label, name, endpoint)

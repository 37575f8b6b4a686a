"""The checkpoint catalogue as data: what each ID checks, as whom and how, how much a failure
matters, and where AWS documents it. One file holds it (handson/checkpoints.json, or the file
named by ``HANDSON_CHECKPOINTS``); the features carry the IDs as tags, the pytest markers, the
reports, the spec test and docs/checkpoints.md are all read or made from it."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.i18n import language, t

DEFAULT_FILE = Path(__file__).with_name("checkpoints.json")
ENV_VAR = "HANDSON_CHECKPOINTS"
# The shape of any checkpoint ID (a family's letters, a number); a tag is a checkpoint only when
# it also names one in the catalogue.
ID_RE = re.compile(r"^[A-Z]+\d+$")


@dataclass(frozen=True)
class Family:
    id: str
    runs_as: str  # user, role or admin: most of its checkpoints
    marker: str  # the feature-level tag (@user, @role)
    title: dict[str, str]  # by language
    how: str
    # Run and tallied by every grading run (pytest features/ on any target): U and R. A family
    # with "tally": false runs only when asked (the clean-up's C, with --cleanup).
    tally: bool = True


@dataclass(frozen=True)
class Checkpoint:
    id: str
    family: str
    # The hands-on's own sentence, or for a check the suite adds (R8) one that starts with
    # 追加の確認: the scenario's title carries it.
    sentence: str
    title: dict[str, str]  # the short title, by language
    runs_as: str  # user, role or admin (U1 reads the login profile as the admin)
    how: str
    expected: str  # "allowed", "denied", or both for R8
    severity: str  # allure's: blocker, critical, normal, minor, trivial
    docs: tuple[tuple[str, str], ...]

    @property
    def summary(self) -> str:
        return self.title["en"]

    def short_title(self) -> str:
        """The short title in the run's language."""
        return self.title[language()]


def catalogue_file() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_FILE)


def load(path: Path) -> tuple[dict[str, Any], dict[str, Family], dict[str, Checkpoint]]:
    data = json.loads(path.read_text("utf-8"))
    families = {
        fid: Family(fid, f["as"], f["marker"], dict(f["title"]), f["how"], f.get("tally", True))
        for fid, f in data["families"].items()
    }
    checkpoints: dict[str, Checkpoint] = {}
    for c in data["checkpoints"]:
        cid = c["id"]
        if not ID_RE.match(cid) or re.sub(r"\d+$", "", cid) != c["family"]:
            raise ValueError(f"{path}: bad checkpoint ID {cid!r} for family {c['family']!r}")
        if c["family"] not in families or cid in checkpoints:
            raise ValueError(f"{path}: unknown family or repeated ID: {cid}")
        checkpoints[cid] = Checkpoint(
            cid,
            c["family"],
            c["sentence"],
            dict(c["title"]),
            c["as"],
            c["how"],
            c["expected"],
            c["severity"],
            tuple((d["url"], d["name"]) for d in c["docs"]),
        )
    return data, families, checkpoints


_DATA, FAMILIES, CATALOGUE = load(catalogue_file())
EPIC: str = _DATA["epic"]
VERDICT_RULES: tuple[str, ...] = tuple(_DATA.get("verdict_rules", ()))
# The checkpoints every grading run decides, in the catalogue's order (the class table's columns).
TALLIED: tuple[str, ...] = tuple(c for c, cp in CATALOGUE.items() if FAMILIES[cp.family].tally)


def id_ranges(ids: list[str] | tuple[str, ...]) -> str:
    """Checkpoint IDs for a person: ``U1 U5``; three or more in a row of one family as a range,
    ``R2〜R8`` (as the hands-on's own C1〜C5)."""
    runs: list[list[str]] = []
    for i in ids:
        if runs and _follows(runs[-1][-1], i):
            runs[-1].append(i)
        else:
            runs.append([i])
    return " ".join(
        t("ids.range", first=run[0], last=run[-1]) if len(run) >= 3 else " ".join(run)
        for run in runs
    )


def _follows(before: str, after: str) -> bool:
    """``U2`` then ``U3``: the next ID of the same family (U, R, P)."""
    return before[0] == after[0] and int(after[1:]) == int(before[1:]) + 1


def is_checkpoint(name: str) -> bool:
    """Whether a tag or marker names a checkpoint of the catalogue."""
    return bool(ID_RE.match(name)) and name in CATALOGUE


def of_family(runs_as: str) -> frozenset[str]:
    """The IDs of the checkpoints that run as ``runs_as`` (user, role, admin)."""
    return frozenset(cid for cid, c in CATALOGUE.items() if c.runs_as == runs_as)


def markers() -> list[str]:
    """The pytest markers the catalogue defines, as ``config.addinivalue_line`` wants them."""
    lines = [
        f"{f.marker}: {f.title['en']} checkpoints ({f.id}1, {f.id}2, ...)"
        for f in FAMILIES.values()
    ]
    lines += [f"{c.id}: checkpoint {c.id} ({c.title['en']})" for c in CATALOGUE.values()]
    return lines

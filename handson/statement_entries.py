"""A statement's Action or Resource as a failure block says it: as the learner wrote it, unless
it lists more than a line can hold.

An AWS managed policy held besides the hands-on's may list thousands of actions in one
statement (ReadOnlyAccess: a 51,204-character line under 決め手, seen in --target existing).
Such a list is said by the entries that match the call first (those that decided it), then the
first others, up to :data:`SHOWN`, and how many more there are.
"""

from __future__ import annotations

import json
from typing import Any

from handson.i18n import t
from handson.iam_engine import wildcard_match

SHOWN = 6


def in_json(value: Any) -> str:
    """A policy's value as the learner wrote it in the file: JSON, not Python's ['s3:*']."""
    return json.dumps(value, ensure_ascii=False)


def entries(value: Any, about: str | None, *, case_sensitive: bool) -> str:
    """``value`` as JSON; a list of more than SHOWN entries: those matching ``about`` (the call's
    action or resource) first, then the first others, up to SHOWN, and how many more."""
    if not isinstance(value, list) or len(value) <= SHOWN:
        return in_json(value)
    matching = [
        v
        for v in value
        if about and isinstance(v, str) and wildcard_match(v, about, case_sensitive=case_sensitive)
    ]
    shown = [*matching, *(v for v in value if v not in matching)][:SHOWN]
    return t("statement.entries", shown=in_json(shown)[1:-1], more=f"{len(value) - len(shown):,}")

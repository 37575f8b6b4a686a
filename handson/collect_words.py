"""What to collect, said back to a learner who asked for something the run cannot collect: pytest
refuses such a command line in its own English (``not found: features/iam_user.feature (no match
in any of [<Dir features>])``), and a ``-k`` that matches nothing ends with ``33 deselected`` and
exit code 5. Each becomes one line in the run's language that says what to type instead.

pytest's refusals are read by the words of its messages (pinned pytest, ``_pytest/main.py``); a
message worded otherwise stays as pytest wrote it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from handson.catalogue import FAMILIES, ID_RE, TALLIED, id_ranges
from handson.i18n import t
from handson.practices import ADVISORY

_NOT_FOUND_PATH = re.compile(r"file or directory not found: (?P<arg>.+)\Z", re.DOTALL)
_NO_MATCH = re.compile(r"not found: (?P<arg>.+?)\n\(no match in any of .*\)\Z", re.DOTALL)
_UNKNOWN_MARKER = re.compile(r"Unknown marker\(s\) in '-m' expression: (?P<names>.+?)\. Use ")
_WRONG_EXPRESSION = re.compile(
    r"Wrong expression passed to '(?P<option>-[km])': (?P<text>.*): at column (?P<column>\d+): "
)
# The feature files' own tags that name a family: the marker to select it with (-m user).
_MARKERS = {family.marker for family in FAMILIES.values()}


def feature_markers(folder: Path) -> dict[str, str]:
    """Each feature file of ``folder`` by name, with the family marker its feature is tagged
    with (``iam_user.feature`` -> ``user``), read by pytest-bdd's own parser."""
    from pytest_bdd.parser import FeatureParser

    found = {}
    for path in sorted(folder.glob("*.feature")):
        tags = FeatureParser(str(folder), path.name).parse().tags
        marker = next((tag for tag in sorted(tags) if tag in _MARKERS), None)
        if marker is not None:
            found[path.name] = marker
    return found


def refusal(message: str, markers: Mapping[str, str], here: Path, features: Path) -> str:
    """pytest's refusal of one collection argument, in the run's language with what to type
    instead; as it is when pytest worded it otherwise. A path pytest made absolute is shown as
    typed in ``here``, the folder the run was started in, and so is the ``features`` folder in
    the command it gives."""
    words = {"features": _features_from(here, features)}
    missing = _NOT_FOUND_PATH.match(message)
    if missing is not None:
        arg = missing["arg"].strip()
        checkpoint = arg.upper()
        if ID_RE.match(checkpoint) and checkpoint in (*TALLIED, *ADVISORY):
            return t("collect.not_found_id", path=arg, id=checkpoint, **words)
        return t("collect.not_found", path=arg, **words)
    unknown = _UNKNOWN_MARKER.match(message)
    if unknown is not None:
        return t(
            "collect.unknown_marker",
            names=unknown["names"],
            families=" ".join(sorted(_MARKERS)),
            checkpoints=id_ranges(TALLIED),
            lessons=id_ranges(ADVISORY),
        )
    wrong = _WRONG_EXPRESSION.match(message)
    if wrong is not None:
        return t("collect.wrong_expression", **wrong.groupdict())
    unmatched = _NO_MATCH.match(message)
    if unmatched is None:
        return message
    arg = _as_typed(unmatched["arg"].strip(), here)
    path, _, node = arg.partition("::")
    if node:
        return t("collect.no_such_test", path=arg, **words)
    if path.endswith(".feature"):
        marker = markers.get(Path(path).name)
        if marker == "cleanup":
            return t("collect.feature_cleanup", path=path, **words)
        if marker is not None:
            return t("collect.feature_file", path=path, marker=marker, **words)
        return t("collect.feature_any", path=path, **words)
    return t("collect.not_a_test", path=path, **words)


def _relative(path: str | Path, here: Path) -> str:
    """``path`` as typed in ``here``; as it is on another drive (Windows)."""
    try:
        return os.path.relpath(path, here)
    except ValueError:
        return str(path)


def _as_typed(arg: str, here: Path) -> str:
    path, sep, node = arg.partition("::")
    return (_relative(path, here) if Path(path).is_absolute() else path) + sep + node


def _features_from(here: Path, features: Path) -> str:
    """The features folder as a command typed in ``here`` names it: ``features/`` in the
    checkout, ``.`` in the folder itself."""
    relative = _relative(features, here)
    if Path(relative).is_absolute():
        return relative
    return "." if relative == "." else Path(relative).as_posix() + "/"


def nothing_selected(keyword: str, markexpr: str) -> str:
    """A ``-k`` or ``-m`` that left no scenario: what it was, and the IDs there are."""
    chosen: Sequence[str] = [
        *([f"-k '{keyword}'"] if keyword else []),
        *([f"-m '{markexpr}'"] if markexpr else []),
    ]
    return t(
        "collect.nothing_selected",
        selection=" ".join(chosen),
        checkpoints=id_ranges(TALLIED),
        lessons=id_ranges(ADVISORY),
    )

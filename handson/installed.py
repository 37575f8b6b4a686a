"""Whether what the suite needs is installed, and in the versions its requirement files pin,
looked at before anything imports it: pytest.ini gives this module first with ``-p``, and the
``handson`` command looks first too.

A learner who ran only the first of the README's two install commands (the second,
``pip install --no-deps -r requirements-engine.txt``, installs the IAM engine) got pytest's
"ImportError while loading conftest" and a traceback in English; one who pulled a newer suite
and did not install again ran it with the old pins' packages; one whose ``pytest`` was another
Python's (.venv not activated) got the first missing module's traceback. Now one line in the
run's language: what is missing or of another version, and the command that mends it (or, for
another Python, activating this folder's .venv).

Only the standard library and ``packaging`` (pytest's own dependency) are used: the packages
looked for may be the missing ones. A distribution's version is read from its metadata
(``importlib.metadata``), nothing is imported. About 20 ms of a run.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from handson.i18n import LANGUAGES, listed_first, set_language, t

CHECKOUT = Path(__file__).resolve().parents[1]
# The requirement files a run needs, and how each is installed (README: "はじめかた").
REQUIREMENTS = {
    "requirements.txt": "pip install -r requirements.txt",
    "requirements-engine.txt": "pip install --no-deps -r requirements-engine.txt",
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Gap:
    """A requirement not met: its distribution, the file that names it, the version installed
    (None: not installed) and the version specifier wanted ("==5.2.5")."""

    name: str
    file: str
    installed: str | None
    wanted: str

    def said(self) -> str:
        return t("installed.version", name=self.name, installed=self.installed, wanted=self.wanted)


def requirements(text: str) -> list[tuple[str, str, str]]:
    """A requirement file's lines as (name, specifier, marker): options (``-e .``) and comments
    left out."""
    found = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement, _, marker = line.partition(";")
        match = _NAME.match(requirement)
        if match is None:
            continue
        rest = requirement[match.end() :].strip()
        specifier = re.sub(r"^\[[^\]]*\]", "", rest).strip()  # moto[server]: the extra's not read
        found.append((match.group(0), specifier, marker.strip()))
    return found


def gaps(files: Mapping[str, str], version: Callable[[str], str | None] | None = None) -> list[Gap]:
    """The requirements of ``files`` (name -> text) that the installed distributions do not
    meet."""
    look = version or _installed_version
    found = []
    for file, text in files.items():
        for name, specifier, marker in requirements(text):
            if marker and not _applies(marker):
                continue
            installed = look(name)
            if installed is None or not _contains(specifier, installed):
                found.append(Gap(name, file, installed, specifier))
    return found


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _contains(specifier: str, version: str) -> bool:
    if not specifier:
        return True
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:  # packaging comes with pytest: if it is not there, pytest is a gap too
        return True
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


def _applies(marker: str) -> bool:
    try:
        from packaging.markers import Marker
    except ImportError:
        return True
    return Marker(marker).evaluate()


def another_python(prefix: str = sys.prefix, checkout: Path = CHECKOUT) -> bool:
    """Whether this folder has a .venv and this Python is not it."""
    venv = checkout / ".venv"
    return venv.is_dir() and Path(prefix).resolve() != venv.resolve()


def activate_command(platform: str = sys.platform) -> str:
    return r".venv\Scripts\Activate.ps1" if platform == "win32" else ". .venv/bin/activate"


def refusal(found: Sequence[Gap], other_python: bool, platform: str = sys.platform) -> str:
    """The one line that says what is not met and how to mend it."""
    missing = [gap.name for gap in found if gap.installed is None]
    other = [gap.said() for gap in found if gap.installed is not None]
    parts = [t("installed.missing", names=listed_first(missing))] if missing else []
    parts += [t("installed.other", names=listed_first(other))] if other else []
    named = t("installed.and").join(parts)
    if other_python:
        return t("installed.other_python", named=named, activate=activate_command(platform))
    files = dict.fromkeys(gap.file for gap in found)
    # In words, not joined by &&: Windows PowerShell 5 has no &&.
    commands = t("installed.then").join(
        REQUIREMENTS[file] for file in REQUIREMENTS if file in files
    )
    return t("installed.refused", named=named, commands=commands)


def asked_language(words: Iterable[str], environ: Mapping[str, str]) -> str:
    """``--lang`` of a command line not parsed yet, else HANDSON_LANG, else Japanese (a
    language the suite does not speak is refused later, by the run). As scripts/python_version.py
    reads it, in words any Python reads: that one cannot import the suite, nor this one it."""
    words = list(words)
    given = environ.get("HANDSON_LANG", "")
    for index, word in enumerate(words):
        if word.startswith("--lang="):
            given = word.split("=", 1)[1]
        elif word == "--lang" and index + 1 < len(words):
            given = words[index + 1]
    lang = given.strip().lower()
    return lang if lang in LANGUAGES else "ja"


def read_files(checkout: Path = CHECKOUT) -> dict[str, str]:
    """The requirement files of the checkout (none where the suite was installed without it)."""
    found = {}
    for name in REQUIREMENTS:
        try:
            found[name] = (checkout / name).read_text("utf-8")
        except OSError:
            continue
    return found


def what_is_missing(argv: Sequence[str] | None = None) -> str | None:
    """The line to refuse the run with, in its language; None when everything is installed."""
    found = gaps(read_files())
    if not found:
        return None
    set_language(asked_language(sys.argv[1:] if argv is None else argv, os.environ))
    return refusal(found, another_python())


def refuse_if_incomplete() -> None:
    """pytest's refusal, before anything imports what may be missing."""
    line = what_is_missing()
    if line is not None:
        import pytest

        raise pytest.UsageError(line)

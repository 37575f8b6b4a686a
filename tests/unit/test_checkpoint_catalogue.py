"""The checkpoint catalogue (handson/checkpoints.json) holds together, and docs/checkpoints.md
says what it says."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from handson import catalogue, i18n
from handson.catalogue import CATALOGUE, FAMILIES, ID_RE, is_checkpoint

ROOT = Path(__file__).resolve().parents[2]


def _doc_script() -> object:
    spec = importlib.util.spec_from_file_location(
        "checkpoints_doc", ROOT / "scripts" / "checkpoints_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_checkpoints_md_is_the_catalogue() -> None:
    doc = (ROOT / "docs" / "checkpoints.md").read_text("utf-8")
    assert doc == _doc_script().render(), "run: python scripts/checkpoints_doc.py"  # type: ignore[attr-defined]
    for c in CATALOGUE.values():
        assert f"| {c.id} |" in doc, c.id


def test_every_checkpoint_is_complete() -> None:
    assert CATALOGUE and catalogue.VERDICT_RULES
    for c in CATALOGUE.values():
        assert ID_RE.match(c.id) and c.family in FAMILIES, c.id
        assert c.runs_as in ("user", "role", "admin"), c.id
        assert c.sentence.strip() and c.how.strip(), c.id
        assert all(c.title[language].strip() for language in i18n.LANGUAGES), c.id
        assert c.expected in ("allowed", "denied", "allowed and denied", "gone", "no finding"), c.id
        assert c.severity in ("blocker", "critical", "normal", "minor", "trivial"), c.id


def test_ids_of_any_length_and_family_are_checkpoints_only_when_catalogued() -> None:
    assert all(ID_RE.match(i) for i in ("U1", "R10", "C5", "P6", "X10"))
    assert not any(ID_RE.match(i) for i in ("user", "role", "slow", "r1", "R"))
    assert is_checkpoint("R8") and not is_checkpoint("R10") and not is_checkpoint("role")


def test_short_titles_follow_the_run_language() -> None:
    try:
        i18n.set_language("ja")
        assert CATALOGUE["U1"].short_title() == CATALOGUE["U1"].title["ja"]
        i18n.set_language("en")
        assert CATALOGUE["U1"].short_title() == CATALOGUE["U1"].title["en"]
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_markers_come_from_the_catalogue() -> None:
    names = {line.split(":", 1)[0] for line in catalogue.markers()}
    assert names == set(CATALOGUE) | {f.marker for f in FAMILIES.values()}
    ini = (ROOT / "pytest.ini").read_text("utf-8")
    assert not re.search(r"^\s+(U|R)\d+:", ini, re.M)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["checkpoints"][0].update(id="u1"), "bad checkpoint ID"),
        (lambda d: d["checkpoints"][0].update(family="R"), "bad checkpoint ID"),
        (lambda d: d["checkpoints"].append(dict(d["checkpoints"][0])), "repeated ID"),
    ],
)
def test_a_broken_catalogue_is_refused(tmp_path: Path, change: object, message: str) -> None:
    data = json.loads(catalogue.DEFAULT_FILE.read_text("utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "checkpoints.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ValueError, match=message):
        catalogue.load(path)

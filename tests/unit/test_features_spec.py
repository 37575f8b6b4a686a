"""The features are the spec: every checkpoint is there, titled with the hands-on's sentence, and
every step text has exactly one definition."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from gherkin.parser import Parser

from handson.catalogue import CATALOGUE, FAMILIES, ID_RE
from tests.helpers.feature_files import scenarios

ROOT = Path(__file__).resolve().parents[2]

# The ✅ list of the hands-on (seed text), and the sentences of steps 6 and 11.5 for U5 and R7:
# the catalogue's own sentences (handson/checkpoints.json).
SEED_SENTENCES = {cid: c.sentence for cid, c in CATALOGUE.items()}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_checkpoint_has_a_scenario_titled_with_its_sentence() -> None:
    for checkpoint, sentence in SEED_SENTENCES.items():
        titles = [s.name for s in scenarios() if checkpoint in s.tags]
        assert titles, f"no scenario tagged @{checkpoint}"
        for title in titles:
            assert _squash(sentence) in _squash(title), (checkpoint, title)


def test_every_scenario_names_exactly_one_checkpoint() -> None:
    for scenario in scenarios():
        ids = {t for t in scenario.tags if ID_RE.match(t)}
        assert len(ids) == 1, scenario.name
        assert ids <= set(CATALOGUE), (scenario.name, ids)  # a tag the catalogue lacks: a typo


def test_every_scenario_sits_in_its_checkpoint_family_feature() -> None:
    """A feature's tag (@user, @role) is the family marker of every checkpoint in it."""
    family_of = {f.marker: f.id for f in FAMILIES.values()}
    for path in (ROOT / "features").glob("*.feature"):
        document: Any = Parser().parse(path.read_text("utf-8"))  # gherkin's dicts, untyped
        feature = document["feature"]
        tags = {t["name"].lstrip("@") for t in feature["tags"]}
        for child in feature["children"]:
            for tag in child.get("scenario", {}).get("tags", []):
                cid = tag["name"].lstrip("@")
                if cid in CATALOGUE:
                    assert {family_of[t] for t in tags if t in family_of} == {
                        CATALOGUE[cid].family
                    }, (
                        path.name,
                        cid,
                    )


def test_features_are_written_in_japanese() -> None:
    for feature in (ROOT / "features").glob("*.feature"):
        assert feature.read_text("utf-8").startswith("# language: ja\n"), feature.name


def test_step_texts_are_defined_once() -> None:
    texts = []
    for module in (ROOT / "steps").glob("*.py"):
        source = module.read_text("utf-8")
        texts += re.findall(r"@(?:given|when|then)\((?:parsers\.parse\()?\s*\"([^\"]+)\"", source)
    assert texts
    duplicated = [text for text, count in Counter(texts).items() if count > 1]
    assert duplicated == []


# steps/common.py's target_unchanged: the check that a probe left its target as it was.
UNCHANGED_CHECKS = ("対象は元のまま残っている", "handson-instance の状態は変わっていない")


def test_the_check_that_a_target_is_unchanged_ends_its_scenario() -> None:
    """Watched.put_back trusts that check's reading: nothing may run after it in a scenario."""
    steps = [scenario.steps for scenario in scenarios()]
    for text in UNCHANGED_CHECKS:
        using = [s for s in steps if text in s]
        assert using, f"no scenario checks {text!r}"
        for scenario_steps in using:
            assert scenario_steps[-1] == text and scenario_steps.count(text) == 1, scenario_steps

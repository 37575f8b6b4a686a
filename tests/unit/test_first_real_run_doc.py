"""docs/operating.md, "First real run": every command it gives exists, with the options it uses
(the run's options, each ``handson`` word's parser, the bootstrap template's parameters and
outputs, the nightly job's record and artifact), so that the kit cannot drift from the code."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson import cli
from handson.i18n import set_language
from handson.settings import OPTIONS
from tests.helpers.sandbox_role import boundary_arn, load_template

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operating.md"
NIGHTLY = ROOT / ".github" / "workflows" / "nightly.yml"
RUN_FLAGS = {"--" + option.replace("_", "-") for option in OPTIONS}


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HANDSON_LANG", "en")
    yield
    set_language("ja")


def section() -> str:
    text = DOC.read_text("utf-8")
    start = text.index("\n## First real run\n")
    return text[start : text.index("\n## ", start + 1)]


def commands() -> list[list[str]]:
    """Each command of the section's ``sh`` blocks, as words (continuations joined, pipes and
    ``;`` split)."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", section(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0]
            for part in re.split(r" \| |; ", line):
                words = shlex.split(part)
                if words and words[0] not in ("set", "mkdir", "tee"):
                    found.append(words)
    return found


def flags(words: list[str]) -> set[str]:
    return {w.split("=", 1)[0] for w in words if w.startswith("--")}


def test_the_section_has_each_step() -> None:
    starts = {" ".join(words[:3]) for words in commands()}
    assert {
        "aws cloudformation deploy",
        "pytest features/ --target",
        "handson sweep --allowed-account",
        "handson calls first-run/calls-aws.jsonl",
        "gh workflow run",
    } <= starts, starts
    runs = [w for w in commands() if w[:2] == ["pytest", "features/"]]
    assert {w[w.index("--target") + 1] for w in runs} == {"aws", "existing"}
    assert all("--record-calls" in flags(w) for w in runs)


def test_every_run_option_exists() -> None:
    runs = [w for w in commands() if w[:2] == ["pytest", "features/"]]
    assert runs
    for words in runs:
        assert flags(words) <= RUN_FLAGS, words


def test_every_handson_word_and_its_options_exist(capsys: pytest.CaptureFixture[str]) -> None:
    used = [w for w in commands() if w[0] == "handson"]
    assert {w[1] for w in used} == {"sweep", "calls"}
    for words in used:
        assert words[1] in cli.COMMANDS
        with pytest.raises(SystemExit):
            cli.main([words[1], "--help"])
        options = capsys.readouterr().out
        assert all(re.search(rf"{flag}\b", options) for flag in flags(words)), words
    compare = next(w for w in used if w[1] == "calls")
    assert (ROOT / compare[3]).is_file()  # the committed reference


def test_the_bootstrap_uses_the_templates_parameters_and_outputs() -> None:
    template = load_template()
    deploy = next(w for w in commands() if w[:3] == ["aws", "cloudformation", "deploy"])
    assert (
        ROOT / deploy[deploy.index("--template-file") + 1]
    ) == ROOT / "ci/sandbox-bootstrap.yaml"
    assert deploy[deploy.index("--capabilities") + 1] == "CAPABILITY_NAMED_IAM"
    start = deploy.index("--parameter-overrides") + 1
    given = [w.split("=", 1)[0] for w in deploy[start:] if "=" in w and not w.startswith("--")]
    assert sorted(given) == sorted(template["Parameters"])
    for output in template["Outputs"]:
        assert f"(`{output}`)" in section()
    boundary = boundary_arn(template).rsplit("/", 1)[1]
    assert f"policy/{boundary}" in section()


def test_the_nightly_job_records_the_calls_the_kit_downloads() -> None:
    nightly = NIGHTLY.read_text("utf-8")
    assert "--record-calls reports/calls-aws.jsonl" in nightly  # inside the uploaded reports/
    assert "name: allure-report-${{ github.run_id }}" in nightly
    assert "--name allure-report-<GitHub run ID>" in section()

"""The helpers of the HTML report test: the README's commands for other folders, the embedded data
of a single-file report, and a missing browser that skips, or fails where .ci/run requires it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.helpers import html_report
from tests.helpers.suite_runner import ROOT


def test_the_report_commands_are_package_jsons_with_other_folders(tmp_path: Path) -> None:
    results, output = tmp_path / "results", tmp_path / "html"
    served = html_report.script("report", results, output)
    single = html_report.script("report:single-file", results, output)
    report = str(ROOT / "scripts" / "report.mjs")
    assert served == ["node", report, str(results), str(output)]
    assert single == ["node", report, str(results), str(output), "--single-file"]
    assert html_report.RESULTS not in " ".join(served + single)


def test_embedded_data_is_decoded() -> None:
    payload = base64.b64encode('{"name": "R5 の結果"}'.encode()).decode()
    html = f'<script>d("data/test-results/x.json","{payload}"),d("widgets/a.json","")</script>'
    assert html_report.embedded(html) == {
        "data/test-results/x.json": '{"name": "R5 の結果"}',
        "widgets/a.json": "",
    }


@pytest.mark.parametrize(("required", "outcome"), [("", "skip"), ("1", "fail")])
def test_a_missing_browser_skips_unless_required(
    monkeypatch: pytest.MonkeyPatch, required: str, outcome: str
) -> None:
    monkeypatch.setattr(html_report, "chromium", lambda: None)
    monkeypatch.setattr(html_report.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(html_report, "ALLURE", Path(__file__))  # Node's packages are there
    monkeypatch.setenv(html_report.REQUIRED, required)
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected, match="Chromium is not installed"):
        html_report.require_tools()


def test_missing_node_packages_name_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(html_report, "ALLURE", Path("/nonexistent/allure"))
    assert html_report.missing_tools() == "Node's packages are not installed: run `npm ci`"

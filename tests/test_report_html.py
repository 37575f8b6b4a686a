"""The HTML report people read: built from a real run with one broken policy by the README's own
commands, opened in headless Chromium. The failing checkpoint, its category and the policy
statement that decided it must be visible on the page, every checkpoint's title must be there, and
the terminal's checkpoint matrix must give the same verdicts."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from handson import loopback
from handson.catalogue import TALLIED, is_checkpoint
from handson.old_runs import SUITE_WRITES
from tests.conftest import GATHERED, PolicyRuns
from tests.helpers import html_report
from tests.helpers.feature_files import scenarios
from tests.helpers.mutations import MUTATIONS
from tests.helpers.suite_runner import SuiteRun

pytestmark = pytest.mark.slow

BROKEN = next(m for m in MUTATIONS if m.name == "role-writes-open")  # PutObject under open/
STATEMENT = "ForS32OpenGet"  # the statement that allows what R5 says is denied
CATEGORY = "allowed but should be denied"


@dataclass(frozen=True)
class BrokenReport:
    run: SuiteRun
    results: list[dict[str, Any]]  # the report's own test results (data/test-results/*.json)
    served: Path  # the multi-file report folder
    single_file: Path  # its index.html

    def checkpoint_statuses(self) -> dict[str, list[str]]:
        statuses: dict[str, list[str]] = {}
        for result in self.results:
            for label in result["labels"]:
                if label["name"] == "checkpoint":
                    statuses.setdefault(label["value"], []).append(str(result["status"]))
        return statuses

    def failing(self) -> dict[str, object]:
        (failed,) = [r for r in self.results if r["status"] == "failed"]
        return failed


@pytest.fixture(scope="module")
def tools() -> None:
    html_report.require_tools()


@pytest.fixture(scope="module")
def broken(
    tools: None, policy_runs: PolicyRuns, tmp_path_factory: pytest.TempPathFactory
) -> BrokenReport:
    """The report of the session's run of the broken set: the mutation matrix's, when it ran in
    this session before (pytest-xdist may give it to the other worker)."""
    run = policy_runs.get([BROKEN])[BROKEN.name].run
    assert run.exit_code == 1 and run.failed == set(BROKEN.fails), run.describe()
    workdir = tmp_path_factory.mktemp("report-html")
    served = workdir / "allure-report"
    html_report.generate(run.allure_dir, served, single_file=False)
    single = html_report.generate(
        run.allure_dir, workdir / "allure-report-single-file", single_file=True
    )
    results = [
        json.loads(path.read_text("utf-8"))
        for path in sorted((served / "data" / "test-results").glob("*.json"))
    ]
    return BrokenReport(run, results, served, single)


@pytest.fixture(scope="module")
def browser(tools: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=html_report.chromium(), args=html_report.CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page whose console lines and script errors are shown with a failure of its test (a
    report that once showed its header and nothing below it, on a busy machine, said nothing
    of why)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    said = request.node.stash.setdefault(GATHERED, {}).setdefault("browser", [])
    opened.on("console", lambda message: said.append(f"console {message.type}: {message.text}"))
    opened.on("pageerror", lambda error: said.append(f"page error: {error}"))
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kept for people to look at, never in the checkout's reports/: pytest keeps the temporary
    folders of the last three sessions."""
    return tmp_path_factory.mktemp("screenshots")


def screenshot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


def feature_titles() -> dict[str, dict[str, str]]:
    """Each feature's name, and its checkpoints' scenario titles (the first of each ID), for the
    checkpoints every run decides (the clean-up's C1-C5 run only with --cleanup)."""
    features: dict[str, dict[str, str]] = {}
    for scenario in scenarios():
        ids = sorted(tag for tag in scenario.tags if is_checkpoint(tag) and tag in TALLIED)
        if not ids:
            continue
        titles = features.setdefault(scenario.feature, {})
        for tag in ids:
            titles.setdefault(tag, scenario.name)
    return features


def test_what_the_report_writes_beside_a_runs_results_is_known(broken: BrokenReport) -> None:
    """handson.old_runs removes an old run's folder only if it holds nothing but what the suite
    writes there: the reports made as `npm run report` makes them are among it."""
    written = {path.name for path in broken.served.parent.iterdir()}
    assert written and written <= SUITE_WRITES, written - SUITE_WRITES


def test_the_broken_run_fails_only_its_checkpoint(broken: BrokenReport) -> None:
    statuses = broken.checkpoint_statuses()
    failed = {cid for cid, found in statuses.items() if "failed" in found or "broken" in found}
    assert failed == set(BROKEN.fails)
    failing = broken.failing()
    message = str(failing["error"]["message"])  # type: ignore[index]
    assert STATEMENT in message
    # Sorted by the category the finding names (its trace's marker), not by the message's words.
    assert CATEGORY not in message
    assert [c["name"] for c in failing["categories"]] == [CATEGORY]  # type: ignore[attr-defined]


def shown(page: Page, text: str) -> None:
    """``text`` is on screen in full somewhere: visible, and not cut off by an ellipsis."""
    matches = page.get_by_text(text).filter(visible=True)
    # The page's own default wait (30 s), not expect's 5 s: a busy machine (CI's workers beside
    # the browser) parses the single-file report's several MB slowly.
    expect(matches.first).to_be_visible(timeout=30_000)
    whole = [
        match
        for match in matches.all()
        if match.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    ]
    assert whole, f"{text!r} is on the page only cut off"
    whole[0].scroll_into_view_if_needed()


def test_single_file_report_shows_failure_category_and_statement(
    broken: BrokenReport, page: Page, screenshots: Path
) -> None:
    """From disk, as a CI artifact is opened: Categories, the category, its failing scenario, and
    on that scenario's page the category and the deciding statement."""
    title = str(broken.failing()["name"])
    # The report's app first, then its Categories: a file of several MB that a busy machine
    # parses slowly is not taken to its route before its app has started.
    page.goto(broken.single_file.as_uri())
    expect(page.get_by_text("Results", exact=False).first).to_be_visible(timeout=90_000)
    page.evaluate("location.hash = '#categories'")
    page.get_by_text(CATEGORY, exact=True).click()
    shown(page, title)
    screenshot(page, screenshots, "single-file-categories")
    page.get_by_text(title, exact=True).first.click()
    shown(page, f"Category: {CATEGORY}")
    shown(page, f"Allow statement {STATEMENT}")
    shown(page, "expected denied, observed allowed")
    screenshot(page, screenshots, "single-file-failing-check")


def test_served_report_shows_every_checkpoint(
    broken: BrokenReport, page: Page, screenshots: Path
) -> None:
    with html_report.served(broken.served) as url:
        page.goto(f"{url}/index.html")
        expect(page.get_by_text("Results", exact=False).first).to_be_visible()
        missing = []
        for feature, titles in feature_titles().items():
            stories = [f"{cid}: {title}" for cid, title in titles.items()]
            first = page.get_by_text(stories[0], exact=True)
            if not first.is_visible():
                page.get_by_text(feature, exact=True).click()
            expect(first).to_be_visible()
            text = page.locator("body").inner_text()
            missing += [story for story in stories if story not in text]
        assert missing == []
        screenshot(page, screenshots, "served-results")


def test_served_report_shows_the_failing_checks_evidence(
    broken: BrokenReport, page: Page, screenshots: Path
) -> None:
    """The failing check's evidence: principal, call, answer, verdict with its rule, statements."""
    failing = broken.failing()
    with html_report.served(broken.served) as url:
        page.goto(f"{url}/index.html#{failing['id']}")
        shown(page, f"Category: {CATEGORY}")
        page.get_by_text("Attachments").first.click()
        page.get_by_text("allowed: ").first.click()
        for line in ("principal : arn:aws:sts::", "verdict   : allowed", "rule      : rule 1"):
            shown(page, line)
        shown(page, f"Allow statement {STATEMENT}")
        shown(page, '"exit_code": 0')
        screenshot(page, screenshots, "served-failing-evidence")


def test_served_report_shows_the_security_lessons(
    broken: BrokenReport, page: Page, screenshots: Path
) -> None:
    """The lessons stay out of the results and their ring (the checkpoints'); an instructor finds
    them under Global Attachments, as the terminal shows them (handson/report_globals.py)."""
    lessons = broken.run.stdout.split("=== best practices", 1)[1].splitlines()[1:]
    tally = next(line for line in lessons if line.startswith("best practices: "))
    finding = next(line.strip() for line in lessons if line.startswith("    - "))
    assert "s3:PutObject" in finding, lessons  # the broken set lets the role write open/
    with html_report.served(broken.served) as url:
        page.goto(f"{url}/index.html")
        expect(page.get_by_text("Results", exact=False).first).to_be_visible()
        page.get_by_text("Global Attachments", exact=False).first.click()
        page.get_by_text("best practices (outside the checkpoints", exact=False).first.click()
        shown(page, tally)
        shown(page, finding.split(": ", 1)[0])
        screenshot(page, screenshots, "served-lessons")


def test_terminal_matrix_gives_the_same_verdicts(broken: BrokenReport) -> None:
    rows = _matrix_rows(broken.run.stdout)
    for cid, statuses in broken.checkpoint_statuses().items():
        if "failed" in statuses or "broken" in statuses:
            expected = "FAILED"
        elif set(statuses) == {"skipped"}:
            expected = "not decided"
        else:
            expected = "as expected"
        assert rows[cid].startswith(expected), (cid, statuses, rows[cid])
    assert rows["R5"].startswith(f"FAILED: {CATEGORY}")


def _matrix_rows(stdout: str) -> dict[str, str]:
    """The observed column of the terminal's checkpoint matrix, by checkpoint ID."""
    lines = stdout.split("= checkpoints =", 1)[1].splitlines()
    header = next(line for line in lines if line.startswith("ID "))
    start, end = header.index("observed"), header.index("decided on")
    return {
        line.split()[0]: line[start:end].strip()
        for line in lines[lines.index(header) + 1 :]
        if line.split() and is_checkpoint(line.split()[0])
    }


def test_the_first_view_counts_checkpoints(
    broken: BrokenReport, page: Page, screenshots: Path
) -> None:
    """The report's name on its first view is the run's checkpoint tally, as in the terminal."""
    tally = "checkpoints: 12 passed, 1 failed, 0 not decided (failed: R5)"
    assert tally in broken.run.stdout
    page.goto(broken.single_file.as_uri())
    expect(page.get_by_text("Results", exact=False).first).to_be_visible(timeout=90_000)
    shown(page, tally)
    # One result per checkpoint (scripts/report.mjs): 13 results, and Allure's ring is the share
    # of passed checkpoints (12 of 13), not of the 27 scenario rows (26 of 27 would read 96.3%).
    assert len(broken.results) == 13
    body = page.locator("body").inner_text()
    assert "92.3%" in body and "96." not in body, body[:400]
    screenshot(page, screenshots, "single-file-first-view")
    with html_report.served(broken.served) as url:
        page.goto(f"{url}/index.html")
        shown(page, tally)
        assert " ".join(page.title().split()) == " ".join(tally.split())


def test_the_environment_panel_names_the_run(broken: BrokenReport) -> None:
    """Allure reads the run's environment.properties into the panel instructors see: the target,
    the emulator's account and the run's ID, under the names the run wrote them with."""
    widget = broken.served / "widgets" / "allure_environment.json"
    panel = {e["name"]: e["values"] for e in json.loads(widget.read_text("utf-8"))}
    assert panel["target"] == ["emulator"] and panel["account"] == ["emulator (123456789012)"]
    (run,) = panel["run"]
    assert f"handson: run {run}, " in broken.run.stdout


def test_the_report_asks_nothing_of_another_host(broken: BrokenReport, page: Page) -> None:
    """Opened from disk or served, the report loads nothing from the internet: Allure 3 adds Google
    Analytics to every report, and scripts/report.mjs takes it out (a learner's report, opened
    at school or at work, tells no one that it was opened)."""
    for index in (broken.single_file, broken.served / "index.html"):
        text = index.read_text("utf-8")
        assert "googletagmanager" not in text and "gtag(" not in text, index
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(broken.single_file.as_uri())
    expect(page.get_by_text("Results", exact=False).first).to_be_visible(timeout=90_000)
    with html_report.served(broken.served) as url:
        page.goto(f"{url}/index.html")
        expect(page.get_by_text("Results", exact=False).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        local = (f"{url}/", "file:", "data:", "blob:")
        elsewhere = [asked_url for asked_url in asked if not asked_url.startswith(local)]
    assert asked and elsewhere == [], elsewhere


def outward_address() -> str | None:
    """This machine's address on its network, or None (a UDP socket's connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: the route out, never a packet
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_npm_run_report_open_serves_this_machine_only(broken: BrokenReport) -> None:
    """Allure 3's server listens on every interface: a learner's report (account ID, ARNs,
    policies) would be served to the school's network, and Windows would ask to let Node.js
    through its firewall. scripts/loopback-only.cjs keeps it on the loopback."""
    with html_report.opened(broken.served) as port:
        with loopback.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as answer:
            assert answer.read().lstrip().lower().startswith(b"<!doctype html>")
        outward = outward_address()
        if outward is None:
            pytest.skip("this machine has no address but its loopback to try")
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=5).close()


def test_a_second_report_of_one_run_replaces_the_first(
    broken: BrokenReport, tmp_path: Path
) -> None:
    """A watch session is one run: `npm run report` after a round, then again after the fix.
    The second report is the one the browser opens (Allure 3 put it in a subfolder beside the
    first, which stayed in front), and the round that passed the failing row is what counts."""
    results = tmp_path / "allure-results"
    shutil.copytree(broken.run.allure_dir, results)
    output = tmp_path / "allure-report"
    html_report.generate(results, output, single_file=False)
    assert statuses(output)["R5"] == "failed"
    for path in list(results.glob("*-result.json")):  # the round after the fix: R5 passes
        row = json.loads(path.read_text("utf-8"))
        if row["status"] == "failed":
            row.update(uuid=f"{row['uuid']}-again", status="passed", statusDetails={})
            row.update(start=row["start"] + 60_000, stop=row["stop"] + 60_000)
            (results / f"{row['uuid']}-result.json").write_text(json.dumps(row), "utf-8")
    html_report.generate(results, output, single_file=False)
    assert statuses(output) == dict.fromkeys(TALLIED, "passed")
    assert not (output / "awesome").exists()
    assert "googletagmanager" not in (output / "index.html").read_text("utf-8")


def statuses(report: Path) -> dict[str, str]:
    """Each checkpoint's status in the report the browser opens (report/index.html's data)."""
    found = {}
    for path in (report / "data" / "test-results").glob("*.json"):
        result = json.loads(path.read_text("utf-8"))
        labels = {label["name"]: label["value"] for label in result["labels"]}
        found[labels["checkpoint"]] = result["status"]
    return found

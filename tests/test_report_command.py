"""``npm run report`` (scripts/report.mjs) as a learner meets it: before any run, or with a run
ID that is not one, it says so in one line of the run's language and exits 4, as a run refuses
bad input; a report it cannot find is never opened. (Making and showing the report:
tests/test_report_html.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from handson.console import typed
from tests.helpers.english_words import english_words
from tests.helpers.suite_runner import ROOT

SCRIPT = ROOT / "scripts" / "report.mjs"


def report(
    reports: Path, *args: str, lang: str | None = None, typed_in: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``typed_in``: the folder ``npm run report`` was typed in, as npm tells the script
    (INIT_CWD); the checkout when not given."""
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSON_")}
    env["HANDSON_REPORTS"] = str(reports)
    env["INIT_CWD"] = str(typed_in or ROOT)
    if lang:
        env["HANDSON_LANG"] = lang
    return subprocess.run(
        ["node", str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_before_any_run_it_is_one_japanese_line_and_exit_4(tmp_path: Path) -> None:
    done = report(tmp_path / "reports")
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    expected = tmp_path / "reports" / "latest" / "allure-results"
    assert line.startswith(f"ERROR: 実行の結果がありません: {expected}。先に pytest features/ を")
    assert english_words(line) == []
    assert not (tmp_path / "reports").exists()  # nothing was made


def test_a_run_id_that_is_not_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "runs" / "20261205-000000-aaaaaa" / "allure-results").mkdir(parents=True)
    done = report(tmp_path, "--run", "20261205-000000-zzzzzz", lang="en")
    assert done.returncode == 4
    (line,) = done.stderr.splitlines()
    missing = tmp_path / "runs" / "20261205-000000-zzzzzz" / "allure-results"
    assert line == (
        f"ERROR: no results of a run at {missing}: run pytest features/ first"
        " (and check the run ID given to --run)"
    )


def test_a_path_given_for_a_run_id_is_refused_and_what_is_there_left(tmp_path: Path) -> None:
    """--run names a folder under reports/runs/, never a path: '--run ../../my-project' reached
    a learner's own project and replaced its allure-report, which the script had not made. Nor
    is a latest-run.txt that names a path followed."""
    reports = tmp_path / "reports"
    theirs = tmp_path / "my-project"
    (theirs / "allure-results").mkdir(parents=True)
    (theirs / "allure-report").mkdir()
    (theirs / "allure-report" / "index.html").write_text("mine", "utf-8")
    for given, lang in (("../../my-project", "ja"), (str(theirs), "en"), ("", "en")):
        done = report(reports, f"--run={given}", lang=lang)
        assert done.returncode == 4 and done.stdout == "", done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"ERROR: --run {given}: "), line
        assert str(reports / "runs") in line and "20261206-083713-hnlrtj" in line
    ja = report(reports, "--run=../../my-project").stderr.strip()
    assert english_words(ja.replace(str(reports / "runs"), "")) == [], ja
    reports.mkdir()
    (reports / "latest-run.txt").write_text("../../my-project\n", "utf-8")
    done = report(reports, lang="en")
    assert done.returncode == 4 and str(reports / "latest" / "allure-results") in done.stderr
    assert (theirs / "allure-report" / "index.html").read_text("utf-8") == "mine"
    assert sorted(p.name for p in theirs.iterdir()) == ["allure-report", "allure-results"]


def test_results_given_alone_are_reported_beside_them_not_over_the_newest_run(
    tmp_path: Path,
) -> None:
    """'npm run report -- <results>', as a run given --alluredir says: the report went into the
    newest run's folder, over that run's own report. It goes beside the results now (and a
    folder there that the script did not make is refused, before anything is read or made)."""
    reports, run = tmp_path / "reports", "20261205-000000-aaaaaa"
    own = reports / "runs" / run / "allure-report"
    own.mkdir(parents=True)
    (own / "index.html").write_text("the newest run's report", "utf-8")
    (reports / "latest-run.txt").write_text(f"{run}\n", "utf-8")
    given = tmp_path / "elsewhere" / "allure-results"
    given.mkdir(parents=True)
    (tmp_path / "elsewhere" / "allure-report").mkdir()
    (tmp_path / "elsewhere" / "allure-report" / "mine.txt").write_text("mine", "utf-8")
    done = report(reports, str(given), lang="en")
    assert done.returncode == 4 and done.stdout == "", done.stderr
    assert done.stderr.startswith(f"ERROR: {tmp_path / 'elsewhere' / 'allure-report'} already")
    assert (own / "index.html").read_text("utf-8") == "the newest run's report"
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == [
        "allure-report",
        "allure-results",
    ]
    # npm run report:open -- <results> opens that report, not the newest run's.
    done = report(reports, "--open", str(given), lang="en")
    beside = tmp_path / "elsewhere" / "allure-report"
    assert done.returncode == 4 and done.stderr.startswith(f"ERROR: no HTML report at {beside}")


def test_the_report_of_a_run_named_says_how_to_open_that_one(tmp_path: Path) -> None:
    """After 'npm run report -- --run <ID>', 'npm run report:open' alone would open the newest
    run's report: the line names the run (an empty run's report is made in seconds)."""
    run = "20261205-000000-aaaaaa"
    (tmp_path / "runs" / run / "allure-results").mkdir(parents=True)
    done = report(tmp_path, "--run", run, lang="en")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"(npm run report:open -- --run {run} shows it)"), (
        done.stdout
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_report_not_made_yet_is_not_opened(tmp_path: Path, lang: str) -> None:
    run = "20261205-000000-aaaaaa"
    (tmp_path / "runs" / run / "allure-results").mkdir(parents=True)
    (tmp_path / "latest-run.txt").write_text(f"{run}\n", "utf-8")
    done = report(tmp_path, "--open", lang=lang)
    assert done.returncode == 4 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert str(tmp_path / "runs" / run / "allure-report") in line
    assert "npm run report" in line


def test_a_folder_it_did_not_make_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """A report is made anew, so a folder given for it that holds something else (a learner's
    own) is one line and exit 4, before anything is read, removed or made."""
    results = tmp_path / "results"
    results.mkdir()
    theirs = tmp_path / "my site"
    theirs.mkdir()
    (theirs / "index.html").write_text("mine", "utf-8")
    done = report(tmp_path / "reports", str(results), str(theirs))
    assert done.returncode == 4 and done.stdout == "", done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"ERROR: {theirs} がすでにあり、npm run report が作ったフォルダでは")
    assert english_words(line.replace(str(theirs), "")) == []
    assert [p.name for p in theirs.iterdir()] == ["index.html"]
    assert not Path(f"{theirs}-results").exists()
    # A file given for the folder: the same line, and the file as it was.
    done = report(tmp_path / "reports", str(results), str(theirs / "index.html"))
    assert done.returncode == 4 and "npm run report が作ったフォルダではありません" in done.stderr
    assert (theirs / "index.html").read_text("utf-8") == "mine"


def test_an_old_report_that_cannot_be_removed_is_one_line(tmp_path: Path) -> None:
    """Windows refuses to remove a folder while a program holds one of its files (an Explorer
    window, a virus scan): the old report that cannot go is one line and exit 4, not a trace.
    Here a file where the report's folder should be refuses it (ENOTDIR)."""
    results = tmp_path / "results"
    results.mkdir()
    (tmp_path / "a file").write_text("", "utf-8")
    output = tmp_path / "a file" / "report"
    done = report(tmp_path / "reports", str(results), str(output), lang="en")
    assert done.returncode == 4 and done.stdout == "", done.stderr
    (line,) = done.stderr.splitlines()
    assert line == (
        f"ERROR: the previous report {output} cannot be removed (ENOTDIR): close what holds it"
        " (an Explorer window, npm run report:open) and run this again"
    )


LISTENS = """
const http = require("node:http");
const forms = [[], [0], [undefined, () => {}], [{ port: 0 }], [0, "::1"]];
forms.forEach((form, index) => {
  const server = http.createServer();
  server.on("listening", () => {
    console.log(`${index} ${server.address().address}`);
    server.close();
  });
  server.on("error", () => console.log(`${index} error`));
  server.listen(...form);
});
"""


def test_a_server_that_names_no_host_listens_on_the_loopback_only(tmp_path: Path) -> None:
    """scripts/loopback-only.cjs, which npm run report:open preloads into allure open: a server
    that asks for a port alone, or for nothing, listens on 127.0.0.1; one that names its host
    keeps it."""
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    script = tmp_path / "listens.cjs"
    script.write_text(LISTENS, "utf-8")
    preload = ROOT / "scripts" / "loopback-only.cjs"
    done = subprocess.run(
        ["node", "--require", str(preload), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    said = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert [said[str(form)] for form in range(4)] == ["127.0.0.1"] * 4, said
    assert said["4"] in ("::1", "error"), said  # as named (a machine without IPv6 refuses it)


def test_typed_outside_the_checkout_it_says_npm_with_the_checkout(tmp_path: Path) -> None:
    """npm finds the project only in the folder it is typed in or one above it: from the folder
    above the checkout, 'npm run report' fails with npm's ENOENT. Where it was typed elsewhere
    (``npm --prefix <checkout> run report``), the lines say the command that works there."""
    run = tmp_path / "reports" / "runs" / "20261206-083713-hnlrtj"
    (run / "allure-results").mkdir(parents=True)
    opened = ("--open", "--run", run.name)
    below = report(tmp_path / "reports", *opened, lang="en", typed_in=ROOT / "features")
    assert "run npm run report first" in below.stderr, below.stderr
    above = report(tmp_path / "reports", *opened, lang="en", typed_in=ROOT.parent)
    assert above.returncode == 4
    prefix = typed(str(ROOT))  # as the line quotes it
    assert f"run npm --prefix {prefix} run report first" in above.stderr, above.stderr

"""The Allure 3 HTML report, built by the README's own commands (package.json's scripts), served
on loopback and opened in headless Chromium; and every text such a report holds."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from queue import Queue
from threading import Thread

import pytest

from tests.helpers.fakes import http_server
from tests.helpers.suite_runner import ROOT

ALLURE = ROOT / "node_modules" / ".bin" / "allure"
# The newest run's results: scripts/report.mjs reads them by default.
RESULTS = "reports/latest/allure-results"
# Set by .ci/run, which installs Node's packages and Chromium: there a missing tool is a failure.
REQUIRED = "HANDSON_REQUIRE_BROWSER"
# As the machine notes advise: no sandbox as root, and no background connections that a closed
# network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A single-file report embeds each data file as d("name","<base64>").
_EMBEDDED = re.compile(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_tools() -> str | None:
    """Why the HTML report cannot be built and opened here, or None."""
    if not shutil.which("node"):
        return "Node.js is not installed (the HTML report is built with the npm package allure)"
    if not ALLURE.exists():
        return "Node's packages are not installed: run `npm ci`"
    if not chromium():
        return "Chromium is not installed: apt-get install chromium (Debian's package)"
    return None


def require_tools() -> None:
    """Skip where Node's packages or Chromium are missing; fail instead where .ci/run said they
    must be there (it installs them)."""
    missing = missing_tools()
    if missing and os.environ.get(REQUIRED) == "1":
        pytest.fail(f"{missing} ({REQUIRED}=1: .ci/run installs it)")
    if missing:
        pytest.skip(missing)


def script(name: str, results: Path, output: Path) -> list[str]:
    """package.json's script ``name`` (the README's command), for other folders than reports/."""
    scripts = json.loads((ROOT / "package.json").read_text("utf-8"))["scripts"]
    words = shlex.split(scripts[name])
    assert words[:2] == ["node", "scripts/report.mjs"], scripts[name]
    return ["node", str(ROOT / words[1]), str(results), str(output), *words[2:]]


@contextmanager
def opened(report: Path) -> Iterator[int]:
    """``npm run report:open`` on ``report`` (its script, as the README runs it), with a browser
    that opens nothing (xdg-open, which the package ``open`` runs on Linux, runs $BROWSER); the
    port it serves on, until the block ends."""
    command = script("report:open", ROOT / RESULTS, report)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XDG_CURRENT_DESKTOP")}
    env["BROWSER"] = shutil.which("true") or "true"
    # Its own process group: report.mjs waits on allure's process, which serves, and a kill of
    # report.mjs alone would leave that one serving (Ctrl-C in a terminal reaches both).
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    said: Queue[str] = Queue()

    def read() -> None:
        for line in server.stdout or []:
            said.put(line)

    Thread(target=read, daemon=True).start()
    try:
        while True:
            line = said.get(timeout=60)  # Empty: it never said where it serves
            found = re.search(r"running on http://localhost:(\d+)", line)
            if found:
                break
        yield int(found.group(1))
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # POSIX's: this test runs on Linux (.ci/run)
        server.wait()


def generate(results: Path, output: Path, *, single_file: bool) -> Path:
    """Build the report as ``npm run report`` (or ``report:single-file``) does; its index.html."""
    command = script("report:single-file" if single_file else "report", results, output)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    index = output / "index.html"
    assert index.is_file(), f"{command} wrote no index.html"
    # Its last line says where the report is: the file itself when it opens from disk.
    said = done.stdout.strip().splitlines()[-1]
    assert str(index if single_file else output) in said, done.stdout
    if not single_file:  # and how to open it again: these folders, not the newest run's report
        assert f"npm run report:open -- {results} {output}" in said, said
    return index


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(directory: Path) -> Iterator[str]:
    """The report folder over HTTP on loopback (a multi-file report cannot load from disk)."""
    with http_server(partial(_Quiet, directory=str(directory))) as url:
        yield url


def embedded(html: str) -> dict[str, str]:
    """The data files a single-file report carries, decoded."""
    found = {}
    for name, payload in _EMBEDDED.findall(html):
        try:
            found[name] = base64.b64decode(payload).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            found[name] = payload
    return found


def report_texts(report: Path) -> dict[str, str]:
    """Every file of a report, and every data file embedded in a single-file report, as text."""
    texts = {}
    for path in sorted(report.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text("utf-8", errors="replace")
        where = str(path.relative_to(report))
        texts[where] = text
        for name, content in embedded(text).items():
            texts[f"{where} embedded {name}"] = content
    return texts

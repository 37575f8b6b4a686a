"""What ``handson grade`` reads of a learner's run (handson/class_runs.grade_one), on a system
whose encoding holds no Japanese: a Windows in English (cp1252). A grader there read the run's
UTF-8 output in the system's encoding, and the whole class's grading ended in UnicodeDecodeError
at the first learner. Shown here by a grading process whose locale is C without Python's UTF-8
mode (its encoding then is ASCII), and a stand-in for the learner's run that writes its Japanese
as the suite does (handson.console.readable_output). (A C locale has no Japanese file names
either, which Windows has: the learner's label here is in ASCII.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handson.class_runs import OUTPUT
from tests.helpers.suite_runner import ROOT

LABEL = "hanako"
SAID = "チェックポイント: 合格 12 / 不合格 1 / 判定なし 0"
LEARNER_RUN = (
    "from handson.console import readable_output\n"
    "readable_output()\n"
    f"print({SAID!a})\n"
    "raise SystemExit(1)\n"
)
GRADER = (
    "import os, sys\n"
    "from pathlib import Path\n"
    "import handson.class_runs as runs\n"
    "from handson.class_roster import Learner\n"
    "import locale\n"
    "print(locale.getpreferredencoding(False))\n"
    f"runs.suite_command = lambda *args: [sys.executable, '-c', {LEARNER_RUN!a}]\n"
    f"learner = Learner('learner-0', '111122223333', {LABEL!a})\n"
    "graded = runs.grade_one(learner, Path(sys.argv[1]), dict(os.environ), None)\n"
    "print(graded.exit_code)\n"
)


def ascii_named(path: Path, link: Path) -> Path:
    """``path``, or where its name is not ASCII a link to it that is: a process in the C locale
    cannot give such a path to a compiled module (rpds, which jsonschema imports, fails to load
    with UnicodeEncodeError), so a checkout in a folder named in Japanese (tests/test_learner_paths,
    docs/architecture.md) would fail here for its own folder's name, not for the learner's
    output."""
    if str(path).isascii():
        return path
    link.symlink_to(path, target_is_directory=True)
    return link


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="stands for a Windows in English with POSIX's C locale; Windows has no LC_ALL",
)
def test_a_learners_japanese_is_read_whatever_the_graders_system_encoding(tmp_path: Path) -> None:
    root = ascii_named(ROOT, tmp_path / "checkout")
    python = Path(sys.executable)
    if python.is_relative_to(sys.prefix):  # a virtual environment's: its folder, named in ASCII
        python = ascii_named(Path(sys.prefix), tmp_path / "venv") / python.relative_to(sys.prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update({"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"})
    env["PYTHONPATH"] = str(root)
    done = subprocess.run(
        [python, "-X", "utf8=0", "-c", GRADER, str(tmp_path / "runs")],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=60,
    )
    said = done.stdout.decode("utf-8", "replace").split()
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert said[0].casefold() in ("ansi_x3.4-1968", "ascii"), said  # the grader's encoding
    assert said[-1] == "1", said  # the learner's run's exit code
    assert (tmp_path / "runs" / LABEL / OUTPUT).read_text("utf-8").strip() == SAID

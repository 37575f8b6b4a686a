"""The security lessons in the HTML report: a global attachment of the run (the report's "Global
Attachments" tab), the table, tally and lint the terminal shows under the checkpoints.

The lessons are advisory: their scenarios stay out of the report's results and its ring
(scripts/report.mjs), which count the checkpoints only. Allure 3 reads a results folder's
``*-globals.json`` (its allure2 reader's ``processGlobals``: ``attachments``, each a name, a
source file beside it, a type and a timestamp), and ``npm run report`` copies both files as they
are. Fixed names, not a UUID each: a watch session writes them again after every round, and the
report shows the last.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from handson.secrets import redact

LESSONS_ATTACHMENT = "handson-lessons-attachment.txt"
LESSONS_GLOBALS = "handson-lessons-globals.json"


def write_lessons(alluredir: Path, title: str, lines: list[str]) -> None:
    """The lessons' lines under ``title`` as the run's global attachment; none (no lesson ran):
    no attachment, and one of an earlier round goes."""
    if not lines:
        for name in (LESSONS_GLOBALS, LESSONS_ATTACHMENT):
            (alluredir / name).unlink(missing_ok=True)
        return
    (alluredir / LESSONS_ATTACHMENT).write_text(redact("\n".join(lines)) + "\n", "utf-8")
    attachment = {
        "name": title,
        "source": LESSONS_ATTACHMENT,
        "type": "text/plain",
        "timestamp": int(time.time() * 1000),
    }
    globals_file = {"attachments": [attachment], "errors": []}
    (alluredir / LESSONS_GLOBALS).write_text(json.dumps(globals_file, ensure_ascii=False), "utf-8")

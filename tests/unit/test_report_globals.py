"""handson/report_globals.py: the security lessons as the run's global attachment, in the form
Allure 3's reader takes (``*-globals.json`` naming an attachment beside it), masked as every other
file of the report, and gone once a round has no lessons."""

from __future__ import annotations

import json
from pathlib import Path

from handson import secrets
from handson.report_globals import LESSONS_ATTACHMENT, LESSONS_GLOBALS, write_lessons

LINES = [
    "ID  checks  observed",
    "P1  the user holds least privilege  findings: 1",
    "best practices: 1",
]


def test_the_lessons_are_a_global_attachment_allure_reads(tmp_path: Path) -> None:
    write_lessons(tmp_path, "best practices", LINES)
    document = json.loads((tmp_path / LESSONS_GLOBALS).read_text("utf-8"))
    assert document["errors"] == []
    (attachment,) = document["attachments"]
    assert attachment["name"] == "best practices" and attachment["type"] == "text/plain"
    assert isinstance(attachment["timestamp"], int) and attachment["timestamp"] > 0
    # Allure 3's reader takes "*-globals.json" and "*-attachment.<ext>" beside it.
    assert LESSONS_GLOBALS.endswith("-globals.json")
    assert attachment["source"] == LESSONS_ATTACHMENT and "-attachment." in LESSONS_ATTACHMENT
    assert (tmp_path / LESSONS_ATTACHMENT).read_text("utf-8") == "\n".join(LINES) + "\n"


def test_a_secret_in_a_lesson_is_masked(tmp_path: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    secrets.register_secret(secret)
    write_lessons(tmp_path, "best practices", [*LINES, f"key {secret}"])
    text = (tmp_path / LESSONS_ATTACHMENT).read_text("utf-8")
    assert secret not in text and "key " in text


def test_a_round_without_lessons_leaves_no_attachment_of_an_earlier_one(tmp_path: Path) -> None:
    write_lessons(tmp_path, "best practices", LINES)
    write_lessons(tmp_path, "", [])
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    write_lessons(tmp_path, "", [])  # nothing to remove: nothing said

"""The committed offline call record (docs/reference/offline-calls.jsonl), which a real run's
``--record-calls`` file is compared with (``handson calls``, docs/operating.md "First real run").

tests/test_aws_target.py calls :func:`assert_reference_current` with the record of its offline
``--target aws`` run, so that the reference never lags behind what the suite calls. The
reference holds each distinct normalised call once (handson/call_compare.py), so it is the same
from run to run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from handson.call_compare import read_record, reference_lines

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference" / "offline-calls.jsonl"
UPDATE_VARIABLE = "HANDSON_UPDATE_REFERENCE"


def reference_text(record: Path) -> str:
    """What the reference holds for this record."""
    return "".join(line + "\n" for line in reference_lines(read_record(record)))


def assert_reference_current(
    record: Path, reference: Path = REFERENCE, environ: Mapping[str, str] | None = None
) -> None:
    """Fail when ``reference`` is not what ``record`` makes of it; with
    ``HANDSON_UPDATE_REFERENCE=1``, rewrite it instead (then review and commit the change)."""
    env = os.environ if environ is None else environ
    wanted = reference_text(record)
    if env.get(UPDATE_VARIABLE) == "1":
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(wanted, "utf-8")
        return
    current = reference.read_text("utf-8") if reference.is_file() else ""
    if current == wanted:
        return
    had, has = set(current.splitlines()), set(wanted.splitlines())
    changes = [f"- {line}" for line in sorted(had - has)] + [
        f"+ {line}" for line in sorted(has - had)
    ]
    raise AssertionError(
        f"{reference.relative_to(ROOT) if reference.is_relative_to(ROOT) else reference} is out of "
        f"date with the offline run's calls ({len(changes)} line(s) differ):\n"
        + "\n".join(changes[:40])
        + f"\nRefresh it: {UPDATE_VARIABLE}=1 pytest tests/test_aws_target.py, then review and "
        "commit the file."
    )

#!/usr/bin/env python3
"""Write docs/checkpoints.md from the checkpoint catalogue (handson/checkpoints.json): every
checkpoint with the hands-on's sentence, as whom and how it runs, and the verdict rules.

    python scripts/checkpoints_doc.py           # rewrite docs/checkpoints.md
    python scripts/checkpoints_doc.py --check   # exit 1 when the file differs from the catalogue

tests/unit/test_checkpoint_catalogue.py fails when the file is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handson.catalogue import CATALOGUE, EPIC, FAMILIES, VERDICT_RULES  # noqa: E402

DOC = ROOT / "docs" / "checkpoints.md"


def _cell(text: str) -> str:
    """A table cell: | escaped, and < > outside `code` so that no HTML is read into them."""
    parts = text.replace("|", "\\|").split("`")
    for n in range(0, len(parts), 2):
        parts[n] = parts[n].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def render() -> str:
    lines = [
        "# Checkpoints",
        "",
        "<!-- Generated from handson/checkpoints.json by scripts/checkpoints_doc.py: "
        "edit the catalogue, then run the script. -->",
        "",
        f"What the suite checks for {EPIC}: one ID per behaviour, traced from",
        "the hands-on's own sentence to a scenario (its title carries the sentence, its tag is",
        "the ID) and to the reports. The catalogue `handson/checkpoints.json` is the one place",
        "a checkpoint is defined; a new family (C for the clean-up, P for the security lessons)",
        "is a new entry in its `families`.",
    ]
    for family in FAMILIES.values():
        members = [c for c in CATALOGUE.values() if c.family == family.id]
        lines += [
            "",
            f"## {family.title['en']} ({family.id}), tag `@{family.marker}`",
            "",
            f"How: {family.how}.",
            "",
            "| ID | the hands-on's sentence | checks | as whom | expected | how | severity |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {c.id} | {_cell(c.sentence)} | {_cell(c.title['en'])} / {_cell(c.title['ja'])} "
            f"| {c.runs_as} | {c.expected} | {_cell(c.how)} | {c.severity} |"
            for c in members
        ]
    lines += ["", "## Verdict rules", ""]
    lines += [f"{n}. {rule}" for n, rule in enumerate(VERDICT_RULES, 1)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if it differs")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = DOC.exists() and DOC.read_text("utf-8") == text
        if not same:
            print(f"{DOC.relative_to(ROOT)} is out of date: run scripts/checkpoints_doc.py")
        return 0 if same else 1
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

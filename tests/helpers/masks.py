"""What differs from one run to the next in a run's output, masked the same way wherever two
outputs are compared (tests/helpers/output_compare.py, tests/helpers/readme_quotes.py)."""

from __future__ import annotations

import re

Mask = tuple[re.Pattern[str], str]

RUN_ID: Mask = (re.compile(r"\b\d{8}-\d{6}-[0-9a-z]{4,}\b"), "<run>")
# Made by AWS (or the emulator) for each run: instances, access keys, SSM command IDs.
AWS_IDS: list[Mask] = [
    (re.compile(r"\bi-[0-9a-f]{8,17}\b"), "i-<id>"),
    (re.compile(r"\bAKIA[0-9A-Z]{12,}\b"), "AKIA<key>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
]
DURATION: Mask = (re.compile(r"\b\d+(?:\.\d+)?\s?s\b"), "<t>s")  # 6.82s, 3.1 s
PADDING: Mask = (re.compile(r"={3,}"), "===")  # pytest pads its rules to what they say


def apply(text: str, masks: list[Mask]) -> str:
    for pattern, replacement in masks:
        text = pattern.sub(replacement, text)
    return text

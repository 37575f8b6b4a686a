"""Record what ``pytest features/`` prints on the seed's policies and on three broken sets, with
the run's own IDs, times and paths masked, so that two checkouts can be compared line by line
(issue 17: "same results and output as before").

    python -m tests.helpers.output_compare CHECKOUT OUT_DIR [--lang ja|en]

Each set's terminal output, exit code and checkpoints.json outcomes go to ``OUT_DIR/<set>.txt``;
compare two such folders with ``diff -r``."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from handson.console import CHILD_OUTPUT
from tests.helpers.design_edits import Mutation
from tests.helpers.masks import AWS_IDS, DURATION, PADDING, RUN_ID, apply
from tests.helpers.mutations import MUTATIONS
from tests.helpers.suite_runner import suite_command, suite_env
from tests.helpers.undecided_designs import UNDECIDED

SETS = (
    "seed",
    "user-may-stop",
    "role-reads-whole-bucket2",
    "user-without-s3-or-start",
    "undecided",
)
NAME = "cmp"

_MASKS = [
    RUN_ID,
    DURATION,
    (re.compile(r"\d+(\.\d+)?\s?秒"), "<t>秒"),  # durations, in Japanese
    (re.compile(r"\b\d+\.\d\d\b"), "<t>"),
    PADDING,
    (re.compile(r"(/tmp|/var/folders)[^\s'\"]*"), "<tmp>"),
    *AWS_IDS,
]


def mask(text: str, checkout: Path) -> str:
    return apply(text.replace(str(checkout), "<checkout>"), _MASKS)


def _mutation(label: str) -> Mutation | None:
    if label == "seed":
        return None
    return next(m for m in [*MUTATIONS, *UNDECIDED] if m.name == label)


def record(checkout: Path, label: str, lang: str, work: Path) -> str:
    mutation = _mutation(label)
    workdir = work / label
    args = [f"--name={NAME}"]
    if mutation:
        args.append(f"--policies={mutation.write(workdir / 'policies')}")
    command = suite_command(workdir, *args)
    env = suite_env({"HANDSON_LANG": lang})
    done = subprocess.run(
        command, cwd=checkout, env=env, capture_output=True, encoding=CHILD_OUTPUT, timeout=300
    )
    outcomes = ""
    document = workdir / "checkpoints.json"
    if document.exists():
        rows = json.loads(document.read_text("utf-8")).get("checkpoints", [])
        outcomes = "\n".join(f"{r['checkpoints']} {r['outcome']}" for r in rows)
    return mask(
        f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- outcomes\n{outcomes}\n",
        checkout,
    ).replace(str(work), "<work>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", default="ja")
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for label in SETS:
            text = record(options.checkout.resolve(), label, options.lang, Path(work))
            (options.out / f"{label}.txt").write_text(text, "utf-8")
            print(label, text.splitlines()[0], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The suite's own commands as a learner types them next, for the place a run acted in.

A line that says "remove it with ``handson sweep ...``" is only of use when the command, typed as
it is, reaches what the run left: the same account (``--allowed-account``: ``handson sweep`` and
``handson cleanup`` act in no account without it), the same region (an instance is found in
the region the command is given only) and the same emulator (``--endpoint-url``; without it the
command goes to AWS). Each argument is quoted as the learner's shell needs (console.typed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from handson.console import typed_command
from handson.regions import DEFAULT_REGION
from handson.run_folder import CHECKOUT
from handson.settings import OPTIONS


@dataclass(frozen=True)
class Place:
    """Where a run acted: an account, a region, and the emulator it was in (None: AWS)."""

    account_id: str
    region: str
    endpoint_url: str | None


def command(words: list[str], place: Place) -> str:
    """``words``, then the options that make the command act in ``place``, as typed. The region
    is left out where it is the default and no HANDSON_REGION of the learner's says another
    (which the command, typed as it is, would act in instead)."""
    words = [*words, "--allowed-account", place.account_id]
    environment = os.environ.get(OPTIONS["region"], "").strip()
    if place.region != DEFAULT_REGION or environment not in ("", place.region):
        words += ["--region", place.region]
    if place.endpoint_url:
        words += ["--endpoint-url", place.endpoint_url]
    return typed_command(words)


def sweep_run(run_id: str, place: Place | None) -> str:
    """``handson sweep`` removing what run ``run_id`` left in ``place``; None: the place is not
    known, and the command is the part every place shares."""
    words = ["handson", "sweep", "--run", run_id, "--delete"]
    if place is None:
        return typed_command(words)
    return command(words, place)


def sweep_record(record: Path, place: Place) -> str:
    """``handson sweep`` removing what a ``--live`` run recorded in its ``live-record.json``."""
    return command(["handson", "sweep", "--record", str(record), "--delete"], place)


def cleanup(place: Place, name: str | None, delete: bool = False) -> str:
    """``handson cleanup`` for the hands-on's resources in ``place`` (of ``--name``); with
    ``delete``, the one that deletes them (after it asks)."""
    words = ["handson", "cleanup", *(["--name", name] if name else [])]
    return command([*words, *(["--delete"] if delete else [])], place)


def checklist(policies: Path, here: Path | None = None) -> str:
    """``pytest features/ --policies <policies>``, which works as typed in ``here`` (the current
    folder): in the checkout as the README writes it; from anywhere else with the checkout's
    features/ and the policies' whole path (a path relative to ``here`` would name another
    folder once the learner is in the checkout)."""
    here = (Path.cwd() if here is None else here).resolve()
    if here == CHECKOUT:
        return typed_command(["pytest", "features/", "--policies", str(policies)])
    whole = (here / policies).resolve()
    return typed_command(["pytest", str(CHECKOUT / "features"), "--policies", str(whole)])

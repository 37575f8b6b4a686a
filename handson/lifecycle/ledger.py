"""The run's record in the account: its claim on its name, and the buckets it creates.

One SSM parameter per name (``/handson-iam-acceptance/runs/<name>``), created before anything
else and only if it does not exist: of two runs that start with one name in one account, one
gets the name and the other stops at once. Its value names the run and the buckets the run
creates; S3 creates a bucket without tags, so until the run's tags are put on it the record is
what tells the sweeper, after a run was killed, which untagged bucket was this run's. The record
is removed last, once nothing of the run is left.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from handson.lifecycle.ownership import LEDGER, Collision, Existing, error_code, tag_dict
from handson.names import TAG_RUN, RunNames, parse_timestamp
from handson.next_command import Place


@dataclass(frozen=True)
class Record:
    """What a ledger parameter says."""

    parameter: str
    run: str
    name: str
    started_at: str
    expires_at: str
    intended: tuple[str, ...] = ()  # buckets the run may create (their names were free)
    created: tuple[str, ...] = ()  # buckets the run's create call made
    # When the record was last written (SSM's LastModifiedDate, as read): each write that notes
    # a bucket comes right after the call that made it, so no bucket of the run is younger.
    written: datetime | None = field(default=None, compare=False)

    @property
    def started(self) -> datetime | None:
        return parse_timestamp(self.started_at)

    def value(self) -> str:
        return json.dumps(
            {
                "run": self.run,
                "name": self.name,
                "started_at": self.started_at,
                "expires_at": self.expires_at,
                "intended": list(self.intended),
                "created": list(self.created),
            },
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, parameter: str, value: str, written: datetime | None = None) -> Record | None:
        try:
            data = json.loads(value)
            return cls(
                parameter,
                str(data["run"]),
                str(data["name"]),
                str(data["started_at"]),
                str(data["expires_at"]),
                tuple(str(b) for b in data.get("intended", [])),
                tuple(str(b) for b in data.get("created", [])),
                written,
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class Ledger:
    ssm: Any
    names: RunNames
    record: Record = field(init=False)

    def __post_init__(self) -> None:
        n = self.names
        self.record = Record(
            n.ledger,
            n.run_id,
            n.suffix,
            n.started_at,
            n.expires_at,
            intended=(n.bucket1, n.bucket2, n.scratch_bucket),
        )

    def claim(self, place: Callable[[], Place | None] = lambda: None) -> None:
        """Create the record, or stop with one line if another run holds the name (its command
        to remove what that run left acting in ``place``, asked for only then)."""
        try:
            self.ssm.put_parameter(
                Name=self.record.parameter,
                Value=self.record.value(),
                Type="String",
                Overwrite=False,
                Description="handson-iam-acceptance: this run's claim on its name",
                Tags=self.names.tag_list(),
            )
        except ClientError as exc:
            if error_code(exc) != "ParameterAlreadyExists":
                raise
            tags = self.ssm.list_tags_for_resource(
                ResourceType="Parameter", ResourceId=self.record.parameter
            )
            existing = Existing(LEDGER, self.record.parameter, tag_dict(tags.get("TagList")))
            if existing.tags.get(TAG_RUN) == self.names.run_id:
                return  # this run's own call, sent again by botocore after its answer was lost
            raise Collision(existing.line(place())) from None

    def created(self, bucket: str) -> None:
        """Note, before the bucket carries the run's tags, that this run's call made it."""
        if bucket in self.record.created:
            return
        self.record = Record(**{**self.record.__dict__, "created": (*self.record.created, bucket)})
        self.ssm.put_parameter(
            Name=self.record.parameter, Value=self.record.value(), Type="String", Overwrite=True
        )

    def release(self) -> None:
        try:
            self.ssm.delete_parameter(Name=self.record.parameter)
        except ClientError as exc:
            if error_code(exc) != "ParameterNotFound":
                raise


def read(ssm: Any, parameter: str) -> Record | None:
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ClientError as exc:
        if error_code(exc) == "ParameterNotFound":
            return None
        raise
    return Record.parse(parameter, str(value))


def records(ssm: Any, path: str) -> list[tuple[Record | None, str, dict[str, str]]]:
    """Every record under ``path``: (what it says, its parameter name, its tags)."""
    found = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True):
        for parameter in page["Parameters"]:
            name = str(parameter["Name"])
            tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
            record = Record.parse(name, str(parameter["Value"]), parameter.get("LastModifiedDate"))
            found.append((record, name, tag_dict(tags.get("TagList"))))
    return found

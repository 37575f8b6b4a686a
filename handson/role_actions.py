"""The hands-on's own AWS CLI commands, as the instance runs them (step 11)."""

from __future__ import annotations

import shlex
from enum import Enum

from handson.instance import Instance
from handson.probe_calls import cli_probe
from handson.probes import Probe
from handson.user_actions import bucket_arn


class Place(Enum):
    """Where in bucket 2 a key is: its prefix."""

    OPEN = "open/"
    CLOSE = "close/"
    ROOT = ""


class ObjectOperation(Enum):
    DOWNLOAD = "download"
    UPLOAD = "upload"
    DELETE = "delete"


class OtherResource(Enum):
    """R7's other resources: (command, IAM action)."""

    ALL_BUCKETS = ("aws s3 ls", "s3:ListAllMyBuckets")
    INSTANCES = ("aws ec2 describe-instances", "ec2:DescribeInstances")
    IAM_USERS = ("aws iam list-users", "iam:ListUsers")


class RoleCommands:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def _probe(
        self, command: str, action: str, resource: str, context: dict[str, str] | None = None
    ) -> Probe:
        return cli_probe(self.instance, command, action=action, resource=resource, context=context)

    def upload(self, bucket: str, key: str, content: str) -> Probe:
        local = key.rsplit("/", 1)[-1]
        command = (
            f"echo {shlex.quote(content)} > {shlex.quote(local)} && "
            f"aws s3 cp {shlex.quote(local)} {s3_url(bucket, key)}"
        )
        return self._probe(command, "s3:PutObject", bucket_arn(bucket, key))

    def download(self, bucket: str, key: str) -> Probe:
        local = key.rsplit("/", 1)[-1]
        command = (
            f"aws s3 cp {s3_url(bucket, key)} {shlex.quote(local)} && cat {shlex.quote(local)}"
        )
        return self._probe(command, "s3:GetObject", bucket_arn(bucket, key))

    def delete(self, bucket: str, key: str) -> Probe:
        return self._probe(
            f"aws s3 rm {s3_url(bucket, key)}", "s3:DeleteObject", bucket_arn(bucket, key)
        )

    def round_trip(self, bucket: str, key: str, content: str) -> list[Probe]:
        """R2: upload a file, get it back, delete it, in that order."""
        return [
            self.upload(bucket, key, content),
            self.download(bucket, key),
            self.delete(bucket, key),
        ]

    def remove_bucket(self, bucket: str) -> Probe:
        return self._probe(f"aws s3 rb {s3_url(bucket)}", "s3:DeleteBucket", bucket_arn(bucket))

    def list_bucket(self, bucket: str, place: Place = Place.ROOT) -> Probe:
        # The CLI lists one level: ListObjectsV2 with the folder as prefix and "/" as delimiter.
        return self._probe(
            f"aws s3 ls {s3_url(bucket, place.value)}",
            "s3:ListBucket",
            bucket_arn(bucket),
            {"s3:prefix": place.value, "s3:delimiter": "/"},
        )

    def object_operation(
        self, operation: ObjectOperation, bucket: str, key: str, content: str
    ) -> Probe:
        if operation is ObjectOperation.DOWNLOAD:
            return self.download(bucket, key)
        if operation is ObjectOperation.UPLOAD:
            return self.upload(bucket, key, content)
        return self.delete(bucket, key)

    def other_resource(self, resource: OtherResource) -> Probe:
        command, action = resource.value
        return self._probe(command, action, "*")


def s3_url(bucket: str, key: str = "") -> str:
    """``s3://bucket/key`` as one word of a command line (sh and the emulated instance alike)."""
    return shlex.quote(f"s3://{bucket}/{key}" if key else f"s3://{bucket}")


def location_key(place: Place, file_name: str) -> str:
    return place.value + file_name

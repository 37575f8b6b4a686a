"""The hands-on's own AWS CLI commands, as the instance runs them (step 11)."""

from __future__ import annotations

import shlex

from handson.instance import Instance
from handson.probes import Probe, cli_probe
from handson.user_actions import bucket_arn

LOCATIONS = {"open/": "open/", "close/": "close/", "バケット直下": ""}


class RoleCommands:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def _probe(self, command: str, action: str, resource: str) -> Probe:
        return cli_probe(self.instance, command, action=action, resource=resource)

    def upload(self, bucket: str, key: str, content: str) -> Probe:
        local = key.rsplit("/", 1)[-1]
        command = (
            f"echo {shlex.quote(content)} > {shlex.quote(local)} && "
            f"aws s3 cp {shlex.quote(local)} s3://{bucket}/{key}"
        )
        return self._probe(command, "s3:PutObject", bucket_arn(bucket, key))

    def download(self, bucket: str, key: str) -> Probe:
        local = key.rsplit("/", 1)[-1]
        command = f"aws s3 cp s3://{bucket}/{key} {shlex.quote(local)} && cat {shlex.quote(local)}"
        return self._probe(command, "s3:GetObject", bucket_arn(bucket, key))

    def delete(self, bucket: str, key: str) -> Probe:
        return self._probe(
            f"aws s3 rm s3://{bucket}/{key}", "s3:DeleteObject", bucket_arn(bucket, key)
        )

    def remove_bucket(self, bucket: str) -> Probe:
        return self._probe(f"aws s3 rb s3://{bucket}", "s3:DeleteBucket", bucket_arn(bucket))

    def list_bucket(self, bucket: str, prefix: str = "") -> Probe:
        return self._probe(f"aws s3 ls s3://{bucket}/{prefix}", "s3:ListBucket", bucket_arn(bucket))

    def object_operation(self, operation: str, bucket: str, key: str, content: str) -> Probe:
        if operation == "ダウンロード":
            return self.download(bucket, key)
        if operation == "アップロード":
            return self.upload(bucket, key, content)
        if operation == "削除":
            return self.delete(bucket, key)
        raise ValueError(
            f"unknown object operation {operation!r}; known: ダウンロード, アップロード, 削除"
        )

    def other_resource(self, resource: str) -> Probe:
        table = {
            "すべてのS3バケット一覧": ("aws s3 ls", "s3:ListAllMyBuckets"),
            "EC2インスタンス一覧": ("aws ec2 describe-instances", "ec2:DescribeInstances"),
            "IAMユーザー一覧": ("aws iam list-users", "iam:ListUsers"),
        }
        if resource not in table:
            raise ValueError(f"unknown resource {resource!r}; known: {', '.join(table)}")
        command, action = table[resource]
        return self._probe(command, action, "*")


def location_key(location: str, file_name: str) -> str:
    if location not in LOCATIONS:
        raise ValueError(f"unknown location {location!r}; known: {', '.join(LOCATIONS)}")
    return LOCATIONS[location] + file_name

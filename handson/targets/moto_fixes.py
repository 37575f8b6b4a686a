"""The emulator forgets a deleted resource's tags, as AWS does.

moto 5.2.5 keeps some tags outside the resource they belong to, in a store that its delete call
leaves alone:

- S3: a bucket's tags live in the backend's ``TaggingService`` (``S3Backend.tagger``), keyed by
  the bucket's ARN, ``arn:aws:s3:::<name>``. ``DeleteBucket`` removes the bucket but not that
  entry, so a new bucket of the same name has the old one's tags at once. A run with the same
  ``--name`` as an earlier one, on the same running emulator (``--endpoint-url``), then finds
  its own new bucket tagged by the earlier run, takes it for a leftover, and stops with exit
  code 4 (issue 24, "The same name again").
- EC2: a security group's tags live in ``TagBackend.tags``, keyed by the group's ID.
  ``DeleteSecurityGroup`` leaves them: ``DescribeTags`` still answers them for the deleted
  group. A new group has a new ID, so nothing reaches it; they go anyway, for the same reason.

As of 5.2.5 the other kinds a run creates by name drop their tags with them: IAM users
(``delete_user`` clears the tagger), roles, customer managed policies and instance profiles
(tags kept on the resource), SSM parameters (``delete_parameter`` pops them), S3 objects
(``PutObject`` replaces a key's tags). tests/test_same_name.py checks every kind.

:func:`forget_deleted_tags` runs in the moto server process, from
:func:`handson.targets.moto_engine.install`.
"""

from __future__ import annotations

from typing import Any

_installed = False


def forget_deleted_tags() -> None:
    """Wrap moto's bucket and security group deletes so that the tags go too. Once per
    process; a delete that fails (a bucket that is not empty, an unknown group) keeps them."""
    global _installed
    if _installed:
        return
    _installed = True
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.s3.models import S3Backend

    delete_bucket = S3Backend.delete_bucket
    delete_group = SecurityGroupBackend._delete_security_group

    def delete_bucket_and_tags(self: Any, bucket_name: str) -> Any:
        removed = delete_bucket(self, bucket_name)
        if removed is not None:  # None: not empty, not deleted
            self.tagger.delete_all_tags_for_resource(removed.arn)
        return removed

    def delete_group_and_tags(self: Any, vpc_id: str | None, group_id: str) -> None:
        delete_group(self, vpc_id, group_id)
        self.tags.pop(group_id, None)  # the EC2 backend is also its TagBackend

    S3Backend.delete_bucket = delete_bucket_and_tags  # type: ignore[method-assign]
    SecurityGroupBackend._delete_security_group = delete_group_and_tags  # type: ignore[method-assign]

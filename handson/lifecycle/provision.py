"""Build what the hands-on builds, registering each piece's teardown the moment it exists.

One part per AWS service (provision_iam, provision_s3, provision_ec2, on what provision_base
shares); this module puts them in the order a run needs them.
"""

from __future__ import annotations

from handson.aws import Principal
from handson.environment import HandsonEnvironment
from handson.lifecycle import labels
from handson.lifecycle.order import Kind, Stage
from handson.lifecycle.ownership import Leftover, of_account
from handson.lifecycle.provision_ec2 import Ec2Provisioning, find_network
from handson.lifecycle.provision_iam import IamProvisioning
from handson.lifecycle.provision_s3 import S3Provisioning
from handson.names import RunNames


class Provisioner(IamProvisioning, S3Provisioning, Ec2Provisioning):
    """The hands-on's environment, built for one run: IAM, S3 and EC2 together."""

    def build(self) -> HandsonEnvironment:
        """The run's claim on its name first, then the slow thing: the instance is launched as
        soon as its role exists, and the rest is built while it boots."""
        with self.phases.timing("IAM and S3 set-up"):
            self.claim_name()
            role_policy_arn = self.create_policy(self.names.role_policy, self.policies.role)
            role_arn = self.create_role(role_policy_arn)
            profile_arn = self.create_instance_profile()
        with self.phases.timing("instance launch"):
            network = find_network(self.ec2, self.subnet_id)
            group_id = self.create_security_group(network)
            ami_id = self.latest_ami()
            instance_id = self.launch_instance(ami_id, network, group_id)
        with self.phases.timing("IAM and S3 set-up"):
            user_policy_arn = self.create_policy(self.names.user_policy, self.policies.user)
            user_arn, login, credentials = self.create_user(user_policy_arn)
            objects = self.create_buckets()
        with self.phases.timing("instance running"):
            self.wait_running(instance_id)
        return HandsonEnvironment(
            names=self.names,
            user_arn=user_arn,
            user_credentials=credentials,
            login=login,
            user_policy_arn=user_policy_arn,
            role_arn=role_arn,
            role_policy_arn=role_policy_arn,
            instance_profile_arn=profile_arn,
            instance_id=instance_id,
            ami_id=ami_id,
            security_group_id=group_id,
            objects=objects,
            role_name=self.names.role,
            sample_file=self.names.sample_file,
            test_file=self.names.test_file,
            scratch_bucket=self.names.scratch_bucket,
        )

    # -- what this run owns ------------------------------------------------------------------

    def claim_name(self) -> None:
        """The run's record in the account: another run with this name stops here, before it
        creates anything; it is removed last, and only when nothing of the run is left."""
        self.ledger.claim(lambda: self.ownership.place)
        self.cleanup.register(
            labels.named(Kind.RECORD, self.ledger.record.parameter),
            self.ledger.release,
            Stage.RECORD,
        )


def leftovers(
    admin: Principal, names: RunNames, created_buckets: tuple[str, ...] | None = None
) -> list[Leftover]:
    """Everything of this run that still exists: what carries this run's tag, the buckets its
    record says it created, and the record itself. A same-named resource without the run's tag
    is not the run's and is never reported as left behind."""
    return of_account(admin, names).remaining(created_buckets)

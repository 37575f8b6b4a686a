"""The embedded AWS emulator's server: a moto process of the run's own, or one attached.

An emulator offers: an endpoint, admin credentials for provisioning, the credentials EC2 would
hand an instance through its instance profile, and the checks it cannot decide faithfully (its
gaps), as data the scenarios consult. The target built on it is handson/targets/emulator.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handson import loopback
from handson.aws import Credentials, Principal
from handson.console import last_words
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.instance import InstanceCredentials
from handson.lifecycle.removal import delete_user
from handson.names import (
    ADMIN_POLICY_ARN,
    AMI_PARAMETER,
    AWS_MANAGED_ARN,
    SSM_CORE_POLICY_ARN,
    TAG_RUN,
)
from handson.next_command import Place, sweep_run
from handson.targets import server_identity
from handson.targets.emulator_ec2 import instance_credentials
from handson.targets.emulator_gaps import Gaps
from handson.targets.emulator_process import (
    Orders,
    ServerProcess,
    free_port,
    port_taken,
    spare,
)
from handson.transient import NOT_AN_AWS_ANSWER
from handson.waiting import WaitTimeout, until

log = logging.getLogger("handson.targets.emulator")

# The account moto answers for unless told otherwise (MOTO_ACCOUNT_ID in its process).
DEFAULT_ACCOUNT_ID = "123456789012"


class Emulator(Protocol):
    endpoint_url: str
    region: str
    admin: Principal
    gaps: Gaps
    gone_reason: str | None  # a server somebody else started, seen not to be there any more
    account_id: str  # the account it answers as (a server somebody else started: its own)

    @property
    def started_by_run(self) -> bool:
        """A server of the run's own, which nobody else knows of: empty but for the admin."""
        ...

    def instance_credentials(self, instance_id: str) -> InstanceCredentials: ...

    def ended(self) -> int | None:
        """The exit code of the run's own server if it has ended; None while it lives, and for a
        server somebody else started."""
        ...

    def close(self) -> None: ...


__all__ = ["free_port"]  # scripts/with_emulator.py takes it from here

# The services whose backends a server of the run's own builds before the run's first request.
_WARMED = ("iam", "ssm", "ec2", "s3", "sts")
# The AWS managed policies every run uses: the admin's and the role's.
RUN_MANAGED_POLICIES = (ADMIN_POLICY_ARN, SSM_CORE_POLICY_ARN)


def aws_managed_names(text: Iterable[str]) -> set[str]:
    """The names of the AWS managed policies that the ARNs in ``text`` name."""
    return {match.group(1) for item in text for match in AWS_MANAGED_ARN.finditer(item)}


# Servers started one after another when the port chosen for each was taken by another.
PORT_TRIES = 3


class _PortTaken(Exception):
    """Another server answers on the port chosen for the run's own, or ours could not bind it."""


class MotoEmulator:
    """A moto server with IAM enforcement on: started here, or one already running (attached)."""

    gaps = Gaps()

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        admin_name: str,
        admin_tags: list[dict[str, str]] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region = region
        self._admin_name = admin_name
        # The admin carries the run's tags, so that the sweeper finds it after a killed run.
        self._admin_tags = admin_tags or []
        self._server: ServerProcess | None = None
        self._found_auth = "0"  # moto's switch as the run found it, restored when it leaves
        self.admin: Principal
        # An attached server: its name for itself when the run attached (server_identity), and
        # why it is no longer there, once the run has seen that it is not.
        self.identity: str | None = None
        self.gone_reason: str | None = None
        self.account_id = DEFAULT_ACCOUNT_ID  # as its admin's ARN says (Emulator.account_id)

    # -- life cycle -------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        region: str,
        admin_name: str,
        *,
        budget: float = 30,
        admin_tags: list[dict[str, str]] | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        managed_policies: Iterable[str] = (),
        instance_ids: tuple[str, ...] = (),
    ) -> MotoEmulator:
        """A server of the run's own: the one started early for it (``emulator_process.spare``)
        or a new one, told its account, region and the AWS managed policies the run names (the
        admin's and the role's own always).

        A server that finds its port taken (another server bound it first, in the moment
        between the choice of the port and the bind) is replaced by one on another port, up to
        :data:`PORT_TRIES` times: nothing is ever sent to the other server but a look at who
        it is."""
        wanted = {*RUN_MANAGED_POLICIES, *managed_policies}
        orders = Orders(account_id, region, tuple(sorted(aws_managed_names(wanted))), instance_ids)
        for attempt in range(PORT_TRIES):
            server = spare() if attempt == 0 else ServerProcess()
            emulator = cls(f"http://127.0.0.1:{server.port}", region, admin_name, admin_tags)
            emulator._server = server
            try:
                server.order(orders)
                # Its clients while the server builds its backends: the models are read meanwhile.
                bootstrap = emulator._bootstrap_principal()
                for service in _WARMED:
                    bootstrap.client(service)
                emulator._wait_until_up(budget)
                emulator._bootstrap_admin(bootstrap)
                return emulator
            except _PortTaken:
                emulator.close()
                log.info("port %d was taken by another server: another port", server.port)
            except BaseException:
                emulator.close()
                raise
        raise RuntimeError(f"{PORT_TRIES} ports in a row were taken by other servers")

    def _wait_until_up(self, budget: float) -> None:
        assert self._server is not None
        try:
            # Looks often: the server is usually moments from answering when the run asks.
            until(
                self._alive,
                bool,
                budget=budget,
                what=f"the emulator on port {self._server.port}",
                max_interval=0.025,
            )
        except WaitTimeout:
            # A server that has not opened its port yet is still starting (a busy computer, or
            # security software reading each of Python's files on a first run): nothing blocks it.
            listening = port_taken(self._server.port)
            key = "emulator.unreachable" if listening else "emulator.still_starting"
            raise SuiteUsageError(t(key, url=self.endpoint_url, seconds=f"{budget:g}")) from None

    @classmethod
    def attach(
        cls,
        endpoint_url: str,
        region: str,
        admin_name: str,
        admin_tags: list[dict[str, str]] | None = None,
    ) -> MotoEmulator:
        """A moto server that someone else started: used, and left as it was found."""
        emulator = cls(endpoint_url, region, admin_name, admin_tags)
        if not emulator._alive():
            raise SuiteUsageError(t("endpoint.nothing", url=endpoint_url))
        if not server_identity.decides_with_engine(emulator.endpoint_url):
            if not server_identity.answers_as_moto(emulator.endpoint_url):
                raise SuiteUsageError(t("endpoint.not_moto", url=endpoint_url))
            raise SuiteUsageError(t("endpoint.plain_moto", url=endpoint_url))
        emulator.identity = server_identity.ask(emulator.endpoint_url).token
        emulator._bootstrap_admin()
        return emulator

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        elif hasattr(self, "admin") and not self.gone_reason:
            try:
                self._remove_admin()
            except Exception as exc:  # noqa: BLE001 - the run has ended: one line, no traceback
                run = next((tag["Value"] for tag in self._admin_tags if tag["Key"] == TAG_RUN), "")
                place = Place(self.account_id, self.region, self.endpoint_url)
                said = t(
                    "endpoint.admin_left",
                    user=self._admin_name,
                    error=exc,
                    command=sweep_run(run, place),
                )
                print(said, file=sys.stderr)

    @property
    def started_by_run(self) -> bool:
        return self._server is not None

    def ended(self) -> int | None:
        server = self._server
        return None if server is None else server.process.poll()

    def wait_ended(self) -> int | None:
        """Block until the run's own server ends (its exit code); None at once for another's."""
        server = self._server
        return None if server is None else server.process.wait()

    def _alive(self) -> bool:
        """Whether the server answers; a server of the run's own must answer with its token."""
        server = self._server
        if server is None:
            return server_identity.answers(f"{self.endpoint_url}/moto-api/")
        if server.process.poll() is not None:
            # Most often a port another server bound first.
            if port_taken(server.port):
                raise _PortTaken
            # Anything else ends the run in one line, with the server's own words for why.
            said = last_words(server.log) or t("emulator.said_nothing")
            raise SuiteUsageError(
                t("emulator.ended_at_start", code=server.process.returncode, why=said)
            )
        token = server_identity.ask(self.endpoint_url).token
        if token is None:
            return False  # not up yet (or not a server of ours: then ours exits, above)
        if token != server.token:
            raise _PortTaken
        return True

    # -- moto's authentication switch --------------------------------------------------------

    def _set_free_requests(self, count: str) -> str:
        """moto skips IAM checks for the next ``count`` requests ("inf": all, "0": none).

        Returns the setting it replaced. The switch is one for the whole server, so it is
        turned only while the run's admin is made and removed: never while checks run.
        """
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=count.encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        try:
            with loopback.urlopen(request, timeout=10) as response:
                answer = json.load(response)
            return str(answer["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SuiteUsageError(
                t("endpoint.not_moto", url=self.endpoint_url)
                + f" ({type(exc).__name__} from /moto-api/reset-auth)"
            ) from None

    def _bootstrap_principal(self) -> Principal:
        return Principal(
            "bootstrap", Credentials("AKIDBOOTSTRAP", "bootstrap"), self.region, self.endpoint_url
        )

    def _bootstrap_admin(self, bootstrap: Principal | None = None) -> None:
        bootstrap = bootstrap or self._bootstrap_principal()
        iam = bootstrap.client("iam")
        self._found_auth = self._set_free_requests("inf")
        created = False
        try:
            try:
                iam.get_policy(PolicyArn=SSM_CORE_POLICY_ARN)
            except ClientError:
                raise SuiteUsageError(t("endpoint.no_managed", url=self.endpoint_url)) from None
            except (BotoCoreError, *NOT_AN_AWS_ANSWER) as exc:
                raise SuiteUsageError(
                    t("endpoint.not_iam", url=self.endpoint_url, error=type(exc).__name__)
                ) from None
            if self._server is not None:
                self._warm_backends(bootstrap)
            try:
                user = iam.create_user(UserName=self._admin_name, Tags=self._admin_tags)["User"]
            except ClientError as exc:
                # botocore's retry of a call whose answer was lost: ours only by the run's tag.
                ours = self._admin_ours(iam)
                if exc.response["Error"]["Code"] != "EntityAlreadyExists" or ours is None:
                    raise
                user = ours
            created = True
            self.account_id = str(user["Arn"]).split(":")[4]
            iam.attach_user_policy(UserName=self._admin_name, PolicyArn=ADMIN_POLICY_ARN)
            key = iam.create_access_key(UserName=self._admin_name)["AccessKey"]
        except BaseException:
            if created:
                self._undo_bootstrap(iam)
            # No run on this server after all: its IAM checks as they were found.
            with contextlib.suppress(SuiteUsageError):
                self._set_free_requests(self._found_auth)
            raise
        self._set_free_requests("0")  # the run's checks are IAM-checked from here on
        self.admin = Principal(
            f"emulator admin {self._admin_name}",
            Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
            self.region,
            self.endpoint_url,
        )

    @staticmethod
    def _warm_backends(principal: Principal) -> None:
        """Let moto make its request handling for SSM, EC2, S3 and STS now, before the run's
        first request (the server built the backends themselves: handson.targets.
        emulator_process).

        Only on a server of our own: on a shared one, every unauthorized request is a risk.
        """
        principal.client("ssm").get_parameter(Name=AMI_PARAMETER)
        principal.client("ec2").describe_instances()
        principal.client("s3").list_buckets()
        principal.client("sts").get_caller_identity()

    def _admin_ours(self, iam: Any) -> dict[str, Any] | None:
        """The admin user already there, if it carries the run's tags (made by this run)."""
        user: dict[str, Any] = iam.get_user(UserName=self._admin_name)["User"]
        ours = self._admin_tags and all(tag in user.get("Tags", []) for tag in self._admin_tags)
        return user if ours else None

    def _undo_bootstrap(self, iam: Any) -> None:
        """A bootstrap cut short leaves no admin behind (the switch is still off here)."""
        try:
            delete_user(iam, self._admin_name)
        except Exception as exc:  # noqa: BLE001 - the bootstrap's own error is the one to report
            log.warning("could not remove the half-made admin %s: %s", self._admin_name, exc)

    def _remove_admin(self) -> None:
        iam = self.admin.client("iam")
        self._set_free_requests("inf")
        try:
            delete_user(iam, self._admin_name)
        finally:
            # As the run found it: a server whose owner had IAM checks off gets them off again.
            self._set_free_requests(self._found_auth)

    # -- what EC2 would do -------------------------------------------------------------------

    def instance_credentials(self, instance_id: str) -> InstanceCredentials:
        """The instance profile's role credentials, as EC2's metadata service would hand them
        (handson.targets.emulator_ec2)."""
        return instance_credentials(self.admin, instance_id)

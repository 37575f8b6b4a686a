"""boto3 clients for one principal, isolated from the host's own AWS configuration."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

from handson.call_record import Who, watch
from handson.loopback import client_config
from handson.secrets import register_secret
from handson.transient import RETRY_ATTEMPTS, RETRY_MODE, retry_answers_not_aws

# Throttling, 5xx, broken connections and answers that are not AWS's are sent again by botocore,
# within RETRY_ATTEMPTS; every other answer (an authorization error above all) comes back at
# once, for the suite to judge.
_CONFIG = Config(
    retries={"total_max_attempts": RETRY_ATTEMPTS, "mode": RETRY_MODE},
    connect_timeout=5,
    read_timeout=60,
)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        register_secret(self.secret_access_key)
        if self.session_token:
            register_secret(self.session_token)

    def as_env(self) -> dict[str, str]:
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass(frozen=True)
class Principal:
    """Who a set of clients acts as: a label for reports plus the credentials, and which of the
    run's identities it is (for ``--record-calls``)."""

    label: str
    credentials: Credentials
    region: str
    endpoint_url: str | None
    who: Who = "provisioning"
    _clients: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def in_region(self, region: str) -> Principal:
        """The same principal, its clients in another region."""
        return Principal(self.label, self.credentials, region, self.endpoint_url, self.who)

    def ec2_in(self, region: str) -> Any:
        """Its EC2 client in ``region`` (where the hands-on's instance may be instead)."""
        return self.in_region(region).client("ec2")

    def client(self, service: str) -> Any:
        """One client per service and principal: creating clients costs more than calling them."""
        if service not in self._clients:
            if "" not in self._clients:
                self._clients[""] = isolated_session(self.credentials, self.region)
            direct = client_config(self.endpoint_url)
            client = self._clients[""].client(
                service,
                endpoint_url=self.endpoint_url,
                config=_CONFIG.merge(direct) if direct else _CONFIG,
            )
            # Every client of the suite is made here: the one place its calls are recorded.
            self._clients[service] = watch(retry_answers_not_aws(client), self.who, self.label)
        return self._clients[service]


@functools.cache
def _models(data_path: str | None) -> botocore.loaders.Loader:
    """botocore's loader keeps the service models it has read: one for every principal's session,
    so that each model is read and parsed once a run, not once per principal (a session of its
    own reads them again: about 0.3 s for each principal). botocore only reads the models."""
    return botocore.loaders.create_loader(data_path)


def isolated_session(credentials: Credentials, region: str) -> boto3.session.Session:
    """A session that reads no profile, config or credentials file of the host."""
    # (config file key, environment variable, default, converter): no variable, no file.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=region,
        botocore_session=core,
    )
    # After boto3's own set-up, which adds its resource models' folder to the session's loader:
    # the clients the suite makes read botocore's models only.
    core.register_component("data_loader", _models(core.get_config_variable("data_path")))
    return session


def principal_from_session(
    session: Any, label: str, region: str, endpoint_url: str | None
) -> Principal:
    """The principal a boto3 session's credentials (the standard chain's) stand for."""
    frozen = session.get_credentials().get_frozen_credentials()
    credentials = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
    return Principal(label, credentials, region, endpoint_url)

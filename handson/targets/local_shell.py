"""The emulated instance: runs the hands-on's own AWS CLI commands with the credentials EC2
would hand the instance through its instance profile, against the emulator, and with nothing of
the host's AWS configuration in its environment.

No shell runs them: ``handson.targets.command_line`` reads the command line, and the AWS CLI
runs in the warm worker (``handson.targets.warm_cli``) or as ``python -m awscli``: the same on
Windows, macOS and Linux, in any folder.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from handson.instance import CLI_RETRIES, CommandResult, InstanceCredentials
from handson.loopback import DIRECT_ENVIRONMENT
from handson.run_temp import run_temp
from handson.targets import command_line, warm_cli

COMMAND_TIMEOUT = 120


class LocalShellInstance:
    """An emulated EC2 instance: a working folder on this machine, the instance role's
    credentials, and the AWS CLI."""

    def __init__(
        self,
        instance_id: str,
        credentials: Callable[[], InstanceCredentials],
        *,
        endpoint_url: str,
        region: str,
        timeout: float = COMMAND_TIMEOUT,
        warm: bool = True,
        shared_cli: warm_cli.Cli | None = None,
    ) -> None:
        self.instance_id = instance_id
        self._credentials_source = credentials
        self._issued: InstanceCredentials | None = None
        self._endpoint_url = endpoint_url
        self._region = region
        self._timeout = timeout
        self._home = Path(tempfile.mkdtemp(prefix=f"{instance_id}-", dir=run_temp()))
        self._identity: str | None = None
        self._warm = warm
        # A warm CLI handed in belongs to the caller; one started here belongs to this instance.
        self._shared_cli = shared_cli
        self._own_cli: warm_cli.WarmCli | None = None

    def prepare(self) -> None:
        """Ask the emulator for the credentials EC2 would hand the instance."""
        self.issued  # noqa: B018

    @property
    def issued(self) -> InstanceCredentials:
        if self._issued is None:
            self._issued = self._credentials_source()
        return self._issued

    def _base_environment(self) -> dict[str, str]:
        """A fresh environment: no host variable passes (a proxy's neither: the emulator is on
        this machine), and no host config file is readable."""
        return warm_cli.process_environment(
            self._home / ".aws",
            {
                "HOME": str(self._home),
                "USERPROFILE": str(self._home),
                "AWS_DEFAULT_REGION": self._region,
                "AWS_ENDPOINT_URL": self._endpoint_url,
                **CLI_RETRIES,
                **DIRECT_ENVIRONMENT,
            },
        )

    def environment(self) -> dict[str, str]:
        """What a command on the instance sees: the base and the role's credentials."""
        env = self._base_environment()
        if self.issued.credentials is not None:
            env.update(self.issued.credentials.as_env())
        return env

    def _warm_cli(self) -> warm_cli.Cli | None:
        if not self._warm:
            return None
        if self._shared_cli is None and self._own_cli is None:
            self._own_cli = warm_cli.WarmCli()
        return self._shared_cli or self._own_cli

    def aws(self, argv: Sequence[str], exported: Mapping[str, str] | None = None) -> CommandResult:
        """The AWS CLI with these arguments, as the instance runs it (with what the script
        exported before it)."""
        env, cli = {**self.environment(), **(exported or {})}, self._warm_cli()
        if cli is None:
            return warm_cli.cold_cli(argv, env, self._home, self._timeout)
        return cli.run(argv, env, self._home, self._timeout)

    def run(self, command: str) -> CommandResult:
        """A command line, or the lines of a script as SSM's AWS-RunShellScript runs them."""
        return command_line.run_script(command, self._home, self.aws)

    def identity(self) -> str:
        """Asked once with the CLI: the instance keeps one role session for the whole run."""
        if self._identity is None:
            result = self.run("aws sts get-caller-identity --query Arn --output text")
            if result.exit_code != 0:
                if self.issued.credentials is None:
                    return f"(no identity: {self.issued.reason})"
                cause = (result.stderr.strip().splitlines() or [""])[-1]
                return f"(no identity: exit code {result.exit_code}: {cause})"
            self._identity = result.stdout.strip()
        return self._identity

    def close(self) -> None:
        if self._own_cli is not None:
            self._own_cli.close()
            self._own_cli = None
        shutil.rmtree(self._home, ignore_errors=True)

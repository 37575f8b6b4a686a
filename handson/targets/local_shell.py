"""The emulated instance: a local shell that runs the hands-on's own AWS CLI commands with the
credentials EC2 would hand the instance through its instance profile, against the emulator, and
with nothing of the host's AWS configuration in its environment."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from handson.instance import CLI_RETRIES, CommandResult, InstanceCredentials
from handson.targets import warm_cli

COMMAND_TIMEOUT = 120


def aws_cli_dir() -> str:
    """The folder of the suite's own ``aws`` (installed with the suite, beside its Python)."""
    beside = Path(sys.executable).parent
    if (beside / "aws").exists():
        return str(beside)
    found = shutil.which("aws")
    if not found:
        raise RuntimeError("the AWS CLI (awscli) is not installed: pip install -r requirements.txt")
    return str(Path(found).parent)


class LocalShellInstance:
    """An emulated EC2 instance: a shell on this machine with the instance role's credentials."""

    def __init__(
        self,
        instance_id: str,
        credentials: Callable[[], InstanceCredentials],
        *,
        endpoint_url: str,
        region: str,
        timeout: float = COMMAND_TIMEOUT,
        warm: bool = True,
        shared_cli: warm_cli.WarmCli | None = None,
    ) -> None:
        self.instance_id = instance_id
        self._credentials_source = credentials
        self._issued: InstanceCredentials | None = None
        self._endpoint_url = endpoint_url
        self._region = region
        self._timeout = timeout
        self._home = Path(tempfile.mkdtemp(prefix=f"handson-{instance_id}-"))
        self._identity: str | None = None
        self._warm = warm
        # A warm CLI handed in belongs to the caller; one started here belongs to this instance.
        self._shared_cli = shared_cli
        self._own_cli: warm_cli.WarmCli | None = None
        if warm:
            warm_cli.write_shim(self._home / "bin", str(Path(aws_cli_dir()) / "aws"))

    def prepare(self) -> None:
        """Ask the emulator for the credentials EC2 would hand the instance."""
        self.issued  # noqa: B018

    @property
    def issued(self) -> InstanceCredentials:
        if self._issued is None:
            self._issued = self._credentials_source()
        return self._issued

    def _base_environment(self) -> dict[str, str]:
        """A fresh environment: no host variable passes, and no host config file is readable."""
        return {
            "PATH": f"{self._home / 'bin'}:{aws_cli_dir()}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self._home),
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": str(self._home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self._home / ".aws" / "credentials"),
            "AWS_DEFAULT_REGION": self._region,
            "AWS_ENDPOINT_URL": self._endpoint_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            **CLI_RETRIES,
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def environment(self) -> dict[str, str]:
        """What a command on the instance sees: the base, the warm CLI, the role's credentials."""
        env = self._base_environment()
        cli = self._warm_cli()
        if cli is not None:
            env[warm_cli.SOCKET_VARIABLE] = cli.ready()
        if self.issued.credentials is not None:
            env.update(self.issued.credentials.as_env())
        return env

    def _warm_cli(self) -> warm_cli.WarmCli | None:
        if not self._warm:
            return None
        if self._shared_cli is None and self._own_cli is None:
            self._own_cli = warm_cli.WarmCli()
        return self._shared_cli or self._own_cli

    def run(self, command: str) -> CommandResult:
        try:
            done = subprocess.run(
                ["bash", "-c", command],
                env=self.environment(),
                cwd=self._home,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            return CommandResult(124, _text(exc.stdout), _text(exc.stderr) + "\n(timed out)")
        return CommandResult(done.returncode, done.stdout, done.stderr)

    def identity(self) -> str:
        """Asked once with the CLI: the instance keeps one role session for the whole run."""
        if self._identity is None:
            result = self.run("aws sts get-caller-identity --query Arn --output text")
            if result.exit_code != 0:
                return f"(no identity: {self.issued.reason})"
            self._identity = result.stdout.strip()
        return self._identity

    def close(self) -> None:
        if self._own_cli is not None:
            self._own_cli.close()
            self._own_cli = None
        shutil.rmtree(self._home, ignore_errors=True)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value

"""A warm AWS CLI for the emulated instance: the real awscli, with its start-up paid once.

The AWS CLI spends about a second of CPU importing botocore and building its command table before
it sends anything; on the emulator that start-up, not AWS, would be most of the run. This server
imports awscli once, in an environment without credentials, and forks a child for each ``aws``
command the instance runs. The child takes over the command's stdin/stdout/stderr, working
directory, arguments and whole environment (so the instance role's credentials come from the
command's own environment, as they would on EC2), and runs ``awscli.clidriver``'s ``main``: the
same code, arguments and environment as ``aws`` itself, in a fresh process each time.

The ``aws`` on the instance's PATH is a small shim (stdlib only, started with ``python -S``) that
hands its command to the server, or runs the real CLI when the server is not there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from handson.targets.orphans import PACKAGE_ROOT, exit_with_parent

SOCKET_VARIABLE = "HANDSON_WARM_CLI_SOCKET"
_HEADER = struct.Struct("!I")
_STATUS = struct.Struct("!i")

SHIM = """#!{python} -S
# The emulated instance's "aws": hands the command to the warm AWS CLI (handson.targets.warm_cli),
# or runs the real AWS CLI when the warm one is not there.
import json, os, socket, struct, sys
REAL = [{python!r}, {real_aws!r}]
path = os.environ.get({variable!r})
try:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
except (OSError, TypeError):
    os.execv(REAL[0], REAL + sys.argv[1:])
body = json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}).encode()
socket.send_fds(conn, [struct.pack("!I", len(body)) + body], [0, 1, 2])
status = b""
while len(status) < 4:
    chunk = conn.recv(4 - len(status))
    if not chunk:
        sys.stderr.write("aws: the warm AWS CLI went away\\n")
        sys.exit(255)
    status += chunk
sys.exit(struct.unpack("!i", status)[0])
"""


def write_shim(directory: Path, real_aws: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "aws"
    shim.write_text(SHIM.format(python=sys.executable, real_aws=real_aws, variable=SOCKET_VARIABLE))
    shim.chmod(0o755)
    return shim


class WarmCli:
    """The server, started at once in the background (its imports overlap whatever comes next),
    and waited for only when the first command needs it.

    Its environment has nothing of the host's AWS set-up and no credentials: each command brings
    its own environment. One server may serve several emulated instances; its owner closes it.
    """

    def __init__(self) -> None:
        self._home = Path(tempfile.mkdtemp(prefix="handson-warm-cli-"))
        self.socket_path = str(self._home / "warm-cli.sock")
        self._ready = False
        self._process: subprocess.Popen[str] | None = subprocess.Popen(
            [sys.executable, "-m", "handson.targets.warm_cli", self.socket_path],
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "PYTHONPATH": PACKAGE_ROOT,
                "HOME": str(self._home),
                "LANG": "C.UTF-8",
                "AWS_CONFIG_FILE": str(self._home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self._home / "credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            cwd=self._home,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ready(self) -> str:
        """The socket to hand commands to, once the server is listening."""
        if not self._ready:
            if self._process is None:
                raise RuntimeError("the warm AWS CLI was closed")
            assert self._process.stdout is not None
            if self._process.stdout.readline().strip() != "ready":
                raise RuntimeError("the warm AWS CLI did not start")
            self._ready = True
        return self.socket_path

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        shutil.rmtree(self._home, ignore_errors=True)


def _read_request(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < _HEADER.size:
        raise ConnectionError("short request")
    (length,) = _HEADER.unpack(data[: _HEADER.size])
    body = data[_HEADER.size :]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise ConnectionError("truncated request")
        body += chunk
    return json.loads(body), fds


def _run_child(driver: object, request: dict[str, object], fds: list[int]) -> None:
    """In the forked child: become the command's process, run the CLI, exit with its code."""
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        argv = [str(a) for a in request["argv"]]  # type: ignore[attr-defined]
        sys.argv = ["aws", *argv]
        code = driver.main(argv)  # type: ignore[attr-defined]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - report, never leak into the server's loop
        sys.stderr.write(f"aws (warm CLI): {type(exc).__name__}: {exc}\n")
        code = 255
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            pass
    os._exit(int(code or 0) & 0xFF)


def _report(conn: socket.socket, pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    try:
        conn.sendall(_STATUS.pack(os.waitstatus_to_exitcode(status)))
    except OSError:
        pass
    finally:
        conn.close()


def serve(socket_path: str) -> None:
    exit_with_parent()
    import awscli.clidriver

    driver = awscli.clidriver.create_clidriver()
    # Parse the models the hands-on's commands use once, here, instead of in every command.
    for service in ("s3", "sts", "ec2", "iam"):
        driver.session.get_service_model(service)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _read_request(conn)
        except (OSError, ValueError, ConnectionError):
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            listener.close()
            conn.close()
            _run_child(driver, request, fds)
        for fd in fds:
            os.close(fd)
        threading.Thread(target=_report, args=(conn, pid), daemon=True).start()


if __name__ == "__main__":
    serve(sys.argv[1])

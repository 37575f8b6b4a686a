"""The warm AWS CLI kept by the emulator's own process, for the runs that attach to it.

A run that starts its own emulator starts its own warm CLI too (handson.targets.warm_cli): a
worker that pays the AWS CLI's start-up (about half a second of CPU) once per run. A server that
outlives its runs (``python -m handson.targets.engine_server``, scripts/with_emulator.py, the
tests' emulators) keeps one worker for all of them instead: a run attached to it sends each
command over HTTP, and the server hands it to its worker, one command at a time. The command is
the same either way: its arguments, its folder and its whole environment (the instance role's
credentials among them) come from the run; only the worker is shared.

The worker reads and writes the run's files (``aws s3 cp`` into the instance's folder), so only
a run on the same machine may use it, and only a process that can read the server's own files:

- ``GET /handson-cli`` names a file the server wrote in its own temporary folder (readable by its
  user alone), holding a random token, and starts the worker in the background;
- ``POST /handson-cli`` runs a command only with that token in :data:`TOKEN_HEADER`.

A run that cannot read the file (another machine, another user), a server that does not offer the
path (moto itself, an older suite), or a run that records its calls (the worker records the calls
of the run that started it) starts its own worker, as before. A page in a browser can neither
read the token nor send the header across origins.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from handson import loopback
from handson.instance import CommandResult
from handson.run_temp import run_temp
from handson.targets.server_paths import CLI_PATH
from handson.targets.warm_cli import WarmCli

TOKEN_HEADER = "X-Handson-Cli-Token"
_TOKEN_KEY = "HTTP_X_HANDSON_CLI_TOKEN"  # the header, as WSGI hands it over
# How long a run waits for an answer beyond the command's own time (the worker's start, once).
ANSWER_MARGIN = 60.0
WENT_AWAY = 255  # as the run's own worker answers when it went away


class _Host:
    """The server's side: one worker and one token for the process's life."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token = secrets.token_hex(16)
        self._file: Path | None = None
        self._cli: WarmCli | None = None

    def offer(self) -> dict[str, str]:
        with self._lock:
            if self._cli is None:
                self._cli = WarmCli()  # imports itself in the background meanwhile
            if self._file is None:
                path = run_temp() / f"hosted-cli-{secrets.token_hex(4)}.token"
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w", encoding="ascii") as file:
                    file.write(self._token)
                self._file = path
            return {"token_file": str(self._file)}

    def run(self, token: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The command's answer, or None when the token is not the server's."""
        with self._lock:
            cli = self._cli
        if cli is None or not hmac.compare_digest(token.encode(), self._token.encode()):
            return None
        done = cli.run(
            [str(a) for a in request["argv"]],
            {str(k): str(v) for k, v in request["env"].items()},
            Path(request["cwd"]),
            float(request["timeout"]),
        )
        return {"code": done.exit_code, "stdout": done.stdout, "stderr": done.stderr}


_host = _Host()
Answer = tuple[int, dict[str, str], bytes]


def answer(environ: dict[str, Any]) -> Answer:
    """The server's answer on :data:`CLI_PATH` (moto_engine's middleware asks)."""
    method = environ.get("REQUEST_METHOD")
    if method == "GET":
        return _json(200, _host.offer())
    if method != "POST":
        return _json(405, {"error": "GET or POST"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length))
        done = _host.run(str(environ.get(_TOKEN_KEY, "")), request)
    except (ValueError, KeyError, TypeError) as exc:
        return _json(400, {"error": f"{type(exc).__name__}: {exc}"})
    return _json(403, {"error": "not this server's token"}) if done is None else _json(200, done)


def _json(status: int, body: dict[str, Any]) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class HostedCli:
    """The run's side: :class:`WarmCli`'s ``run`` and ``close``, answered by the server's
    worker."""

    pid = None  # no process of the run's

    def __init__(self, endpoint_url: str, token: str) -> None:
        self._url = endpoint_url.rstrip("/") + CLI_PATH
        self._token = token

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float
    ) -> CommandResult:
        body = {"argv": list(argv), "env": dict(env), "cwd": str(cwd), "timeout": timeout}
        request = urllib.request.Request(
            self._url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={TOKEN_HEADER: self._token, "Content-Type": "application/json"},
        )
        try:
            with loopback.urlopen(request, timeout=timeout + ANSWER_MARGIN) as response:
                done = json.load(response)
            return CommandResult(int(done["code"]), str(done["stdout"]), str(done["stderr"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            said = f"aws: the emulator's warm AWS CLI did not answer ({type(exc).__name__}: {exc})"
            return CommandResult(WENT_AWAY, "", said)

    def close(self) -> None:
        """Nothing of the run's to end: the worker is the server's."""


def hosted(endpoint_url: str) -> HostedCli | None:
    """The server's warm CLI, if it keeps one for this run: a server on this machine's loopback
    that offers :data:`CLI_PATH`, and whose token file this process can read."""
    if not loopback.is_loopback(endpoint_url):
        return None
    try:
        with loopback.urlopen(endpoint_url.rstrip("/") + CLI_PATH, timeout=5) as response:
            offered = json.load(response)
        token = Path(offered["token_file"]).read_text("ascii").strip()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return HostedCli(endpoint_url, token) if token else None

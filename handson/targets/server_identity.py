"""Who answers at an emulator's address: the server's own name for itself (a token it answers on
server_paths.SERVER_PATH), and whether the server a run attached to is still the one there.

A server the run started is watched through its process (handson.targets.emulator). One that
somebody else started (``--endpoint-url``) has no process of the run's: it is looked at instead.
It is gone when nothing listens at its address any more (the connection is refused), or when
another server answers there (a server started again: moto keeps its state in memory, so what
the run made went with the old one). A slow or garbled answer is not taken for either.
"""

from __future__ import annotations

import json
import urllib.error
from dataclasses import dataclass

from handson import loopback
from handson.targets.server_paths import ENGINE_PATH, SERVER_PATH


@dataclass(frozen=True)
class Answer:
    token: str | None  # the server's name for itself; None: no answer to read it from
    refused: bool = False  # nothing listens at the address


def ask(endpoint_url: str, timeout: float = 2) -> Answer:
    """What the server at ``endpoint_url`` calls itself."""
    try:
        with loopback.urlopen(f"{endpoint_url}{SERVER_PATH}", timeout=timeout) as answer:
            token = json.load(answer).get("server")
    except urllib.error.URLError as exc:
        return Answer(None, refused=isinstance(exc.reason, ConnectionRefusedError))
    except (OSError, ValueError, AttributeError):
        return Answer(None)
    return Answer(token if isinstance(token, str) else None)


def away(endpoint_url: str, identity: str | None) -> bool:
    """Whether the server that called itself ``identity`` is no longer at ``endpoint_url``:
    nothing listens there, or another server answers (``identity`` None: not known, so only
    the first tells). Given 5 s: Windows answers a connection to a port where nothing listens
    with a refusal only after retrying it for about 2 s."""
    answer = ask(endpoint_url, timeout=5)
    if answer.refused:
        return True
    return identity is not None and answer.token is not None and answer.token != identity


def answers(url: str) -> bool:
    """Whether anything answers at ``url``."""
    try:
        with loopback.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def answers_as_moto(endpoint_url: str) -> bool:
    """moto's settings (GET reads them): JSON from a moto server; not data.json, every
    backend's state (4.5 MB with IAM's managed policies: 1.6 s, over 5 s on a busy machine)."""
    try:
        with loopback.urlopen(f"{endpoint_url}/moto-api/config", timeout=5) as a:
            return isinstance(json.load(a), dict)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def decides_with_engine(endpoint_url: str) -> bool:
    """Whether the server decides IAM with the suite's engine (server_paths.ENGINE_PATH)."""
    try:
        with loopback.urlopen(f"{endpoint_url}{ENGINE_PATH}", timeout=5) as answer:
            return "engine" in json.load(answer)
    except (urllib.error.URLError, OSError, ValueError):
        return False

"""Requests to this machine never go through a proxy.

Learners often run the suite behind a school's or a company's proxy, with ``http_proxy`` and
``https_proxy`` set and a ``no_proxy`` that names ``localhost`` but not ``127.0.0.1``; on Windows
the proxy may come from the system's settings instead (urllib reads the registry when no
``*_proxy`` variable is set). A proxy cannot reach the emulator on this machine's loopback, so
every request to a loopback address goes direct: the suite's boto3 clients, its own HTTP calls
(the readiness wait, the emulated SSM agent), and the AWS CLI of the emulated instance.
Requests anywhere else (``--target aws``, ``--target existing``) keep the proxy settings, as
botocore honours them.
"""

from __future__ import annotations

import http.client
import ipaddress
import urllib.request
from urllib.parse import urlsplit

from botocore.config import Config

# For a child process that only talks to the loopback: any ``no_proxy`` variable makes urllib
# (and so botocore) read proxies from the environment alone, never from the system's settings,
# and these names bypass whatever proxy the environment still names.
LOOPBACK_HOSTS = "127.0.0.1,localhost,::1"
DIRECT_ENVIRONMENT = {"NO_PROXY": LOOPBACK_HOSTS, "no_proxy": LOOPBACK_HOSTS}

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def is_loopback(url: str | None) -> bool:
    """Whether ``url`` names this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_config(endpoint_url: str | None) -> Config | None:
    """What a boto3 client for ``endpoint_url`` needs on top of its own config: no proxy at all
    for the loopback (botocore takes an explicit, even empty, ``proxies`` over the environment's)
    and nothing elsewhere."""
    return Config(proxies={}) if is_loopback(endpoint_url) else None


def urlopen(request: str | urllib.request.Request, timeout: float) -> http.client.HTTPResponse:
    """``urllib.request.urlopen``, direct for the loopback, through the proxy settings elsewhere."""
    url = request if isinstance(request, str) else request.full_url
    if is_loopback(url):
        return _DIRECT.open(request, timeout=timeout)
    return urllib.request.urlopen(request, timeout=timeout)

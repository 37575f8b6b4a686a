"""What a signed AWS request is: its service (SigV4 scope), its API action, its access key.
Used by the fault proxy and the AWS-like layer (tests/helpers/fault_proxy.py, aws_like.py)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlsplit

import botocore.exceptions
import botocore.session

from tests.helpers.fault_proxy_types import Request

_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_LABEL = re.compile(r"(\{[^}]+\})")


# -- what a request is ---------------------------------------------------------------------------


def _scope(request: Request) -> list[str] | None:
    """A SigV4 (or SigV4a) credential scope's parts, ``None`` for an unsigned request."""
    match = _CREDENTIAL.search(request.header("Authorization") or "")
    presigned = request.query.get("X-Amz-Credential", [""])[0]
    parts = (match.group(1) if match else presigned).split("/")
    if len(parts) >= 4 and parts[-1] == "aws4_request" and parts[-2]:
        return parts
    return None


def signing_service(request: Request) -> str | None:
    """The service of a signed request's credential scope, ``None`` for an unsigned request."""
    parts = _scope(request)
    return parts[-2].lower() if parts else None


def signing_region(request: Request) -> str | None:
    """The region of a signed request's credential scope, ``None`` for an unsigned request."""
    parts = _scope(request)
    return parts[-3] if parts else None


def operation_name(service: str, request: Request) -> str | None:
    """The API action of a request: ``Action=`` of the query protocols, the last part of
    ``X-Amz-Target`` of the JSON protocols, and for REST services (S3) the operation of the
    botocore model whose method, path and required query/headers fit best (path-style only)."""
    target = request.header("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    action = request.query.get("Action")
    if action:
        return action[0]
    content_type = (request.header("Content-Type") or "").lower()
    if "x-www-form-urlencoded" in content_type:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        if "Action" in form:
            return form["Action"][0]
    return _rest_operation(service, request)


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    literal_query: tuple[tuple[str, str], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]

    @property
    def weight(self) -> int:
        return len(self.literal_query) + len(self.required_query) + len(self.required_headers)

    def fits(self, request: Request, path: str, query: dict[str, list[str]]) -> bool:
        return (
            request.method == self.method
            and self.path.fullmatch(path) is not None
            and all(k in query and (not v or v in query[k]) for k, v in self.literal_query)
            and all(k in query for k in self.required_query)
            and all(request.header(h) is not None for h in self.required_headers)
        )


@functools.cache
def _rest_routes(service: str) -> tuple[_Route, ...]:
    try:
        model = botocore.session.get_session().get_service_model(service)
    except botocore.exceptions.DataNotFoundError:
        return ()
    if model.protocol not in ("rest-xml", "rest-json"):
        return ()
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        template, _, literal = operation.http["requestUri"].partition("?")
        pattern = "".join(_path_pattern(part) for part in _LABEL.split(template))
        if not template.endswith("/"):
            pattern += "/?"
        required_query: list[str] = []
        required_headers: list[str] = []
        shape = operation.input_shape
        if shape is not None:
            for member in shape.required_members:
                serialization = shape.members[member].serialization
                location = serialization.get("location")
                if location == "querystring":
                    required_query.append(serialization.get("name", member))
                elif location == "header":
                    required_headers.append(serialization.get("name", member))
        routes.append(
            _Route(
                name,
                operation.http["method"],
                re.compile(pattern),
                tuple(parse_qsl(literal, keep_blank_values=True)),
                tuple(required_query),
                tuple(required_headers),
            )
        )
    # The most specific route first: PUT /b/k?partNumber=1&uploadId=u is UploadPart, not PutObject.
    return tuple(sorted(routes, key=lambda route: (-route.weight, route.operation)))


def _path_pattern(part: str) -> str:
    """``{Bucket}`` is one path segment, ``{Key+}`` the rest of the path, the rest is literal."""
    if _LABEL.fullmatch(part):
        return ".+" if part.endswith("+}") else "[^/]+"
    return re.escape(part)


def _rest_operation(service: str, request: Request) -> str | None:
    split = urlsplit(request.path)
    query = parse_qs(split.query, keep_blank_values=True)
    for route in _rest_routes(service):
        if route.fits(request, split.path or "/", query):
            return route.operation
    return None


def access_key(request: Request) -> str | None:
    """The access key ID a request is signed with (its SigV4 scope's first part)."""
    match = _CREDENTIAL.search(request.header("Authorization") or "")
    scope = match.group(1) if match else request.query.get("X-Amz-Credential", [""])[0]
    return scope.split("/", 1)[0] or None


def form(request: Request) -> dict[str, list[str]]:
    """The parameters of a query-protocol request (EC2, IAM, STS), from its body or its URL."""
    body = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {**request.query, **body}

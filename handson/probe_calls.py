"""How a probe is sent: a boto3 call with the principal's own client, or the hands-on's AWS CLI
command on the instance (with the role's credentials), each answer classified by the verdict
rules (handson/verdict.py) and kept with what a person reads of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from handson.instance import CommandNotRun, Instance
from handson.probes import Answer, Probe
from handson.transient import is_transient
from handson.verdict import Outcome, Verdict, classify_api_error, classify_cli

OUTPUT_LIMIT = 4000


def _clip(text: str) -> str:
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + "\n...(cut)"


def api_probe(
    client: Any,
    operation: str,
    params: dict[str, Any],
    *,
    action: str,
    resource: str,
    shown: str | None = None,
) -> Probe:
    """A boto3 call as the client's principal. ``shown`` replaces params that must not be shown."""
    call = f"{client.meta.service_model.service_name}.{operation}({shown or _params(params)})"

    def execute() -> Answer:
        try:
            response = getattr(client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            meta = exc.response.get("ResponseMetadata", {})
            code = str(error.get("Code"))
            return Answer(
                classify_api_error(code, str(error.get("Message") or ""), action),
                {
                    "error_code": code,
                    "message": error.get("Message", ""),
                    "request_id": meta.get("RequestId"),
                    "http_status": meta.get("HTTPStatusCode"),
                },
            )
        except (BotoCoreError, ResponseParserError) as exc:
            return Answer(
                Verdict(
                    Outcome.ERROR,
                    "rule.no_answer",
                    type(exc).__name__,
                    transient=is_transient(exc),
                    params=(("error", type(exc).__name__),),
                ),
                {"error": str(exc)},
            )
        meta = response.get("ResponseMetadata", {})
        return Answer(
            classify_api_error(None),
            {
                "request_id": meta.get("RequestId"),
                "http_status": meta.get("HTTPStatusCode"),
            },
        )

    return Probe(call=call, action=action, resource=resource, execute=execute)


def _params(params: dict[str, Any]) -> str:
    shown = []
    for key, value in params.items():
        if isinstance(value, bytes):
            value = f"<{len(value)} bytes>"
        shown.append(f"{key}={value!r}")
    return ", ".join(shown)


def cli_probe(
    instance: Instance,
    command: str,
    *,
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> Probe:
    """A shell command on the instance, judged by its exit code and the CLI's error code."""

    def execute() -> Answer:
        try:
            result = instance.run(command)
        except CommandNotRun as exc:
            return Answer(
                Verdict(Outcome.ERROR, "rule.never_ran", "NotRun", params=(("error", exc),)),
                {"error": str(exc)},
            )
        return Answer(
            classify_cli(result.exit_code, result.stderr, command, action),
            {
                "exit_code": result.exit_code,
                "stdout": _clip(result.stdout),
                "stderr": _clip(result.stderr),
            },
        )

    return Probe(command, action, resource, execute, dict(context or {}))

"""Each probe's evidence, attached to the report: what ran, as whom, the answer, the verdict.

Everything passes through :func:`handson.secrets.redact` on its way out.
"""

from __future__ import annotations

import json
import logging

import allure

from handson.probes import ProbeResult
from handson.secrets import redact

log = logging.getLogger("handson.probe")


def render(result: ProbeResult) -> str:
    verdict = result.answer.verdict
    lines = [
        f"principal : {result.principal}",
        f"call      : {result.probe.call}",
        f"evaluates : {result.probe.action} on {result.probe.resource}",
        f"expected  : {result.expected.value}",
        f"verdict   : {verdict.outcome.value}" + (f" ({verdict.code})" if verdict.code else ""),
        f"rule      : {verdict.text}",
        f"attempts  : {result.attempts}",
        *([f"policies  : {result.explanation}"] if result.explanation else []),
        "answer    :",
        json.dumps(result.answer.details, indent=2, ensure_ascii=False, default=str),
    ]
    return redact("\n".join(lines))


def record_probe(result: ProbeResult) -> None:
    text = render(result)
    name = f"{result.outcome.value}: {result.probe.call}"
    allure.attach(text, name=redact(name[:120]), attachment_type=allure.attachment_type.TEXT)
    log.info("%s", redact(result.summary()))


def attach_text(name: str, text: str) -> None:
    allure.attach(redact(text), name=redact(name), attachment_type=allure.attachment_type.TEXT)

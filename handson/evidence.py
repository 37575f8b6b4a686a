"""Each probe's evidence, attached to the report: what ran, as whom, the answer, the verdict.

Everything passes through :func:`handson.secrets.redact` on its way out.
"""

from __future__ import annotations

import json
import logging

import allure

from handson.i18n import display_width, pad, t
from handson.probes import ProbeResult, outcome_word
from handson.secrets import redact

log = logging.getLogger("handson.probe")


def render(result: ProbeResult) -> str:
    """The probe's evidence, a labelled line each, in the run's language."""
    verdict = result.answer.verdict
    probe = result.probe
    code = f" ({verdict.code})" if verdict.code else ""
    rows = [
        (t("evidence.principal"), result.principal),
        (t("evidence.call"), probe.call),
        (
            t("evidence.evaluates"),
            t("evidence.evaluated", action=probe.action, resource=probe.resource),
        ),
        (t("evidence.expected"), outcome_word(result.expected)),
        (t("evidence.verdict"), outcome_word(verdict.outcome) + code),
        (t("evidence.rule"), verdict.text),
        (t("evidence.attempts"), str(result.attempts)),
        *([(t("evidence.policies"), result.explanation)] if result.explanation else []),
        (t("evidence.answer"), ""),
    ]
    width = max(display_width(label) for label, _ in rows)
    lines = [pad(label, width) + " :" + (f" {value}" if value else "") for label, value in rows]
    lines.append(json.dumps(result.answer.details, indent=2, ensure_ascii=False, default=str))
    return redact("\n".join(lines))


def record_probe(result: ProbeResult) -> None:
    text = render(result)
    name = t("evidence.name", outcome=outcome_word(result.outcome), call=result.probe.call)
    allure.attach(text, name=redact(name[:120]), attachment_type=allure.attachment_type.TEXT)
    log.info("%s", redact(result.summary()))


def attach_text(name: str, text: str) -> None:
    allure.attach(redact(text), name=redact(name), attachment_type=allure.attachment_type.TEXT)

"""The English words the suite wrote into a Japanese text (issue 25: a Japanese run is Japanese).

What may stay English is what a learner types or reads from AWS itself: commands, ARNs, paths,
policy field names, statement Sids, AWS product and service names, error codes, and the lines
pytest writes. Everything else that is made of Latin letters is an English word the suite wrote.
"""

from __future__ import annotations

import re

# Policy field and value names, as they are written in a policy document.
POLICY_WORDS = frozenset(
    [
        "Version",
        "Statement",
        "Sid",
        "Effect",
        "Allow",
        "Deny",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
        "NotPrincipal",
        "Service",
        "Federated",
        "CanonicalUser",
        "IfExists",
        "Null",
    ]
)
# AWS, its products and services, and the names of the tools a learner runs.
PRODUCT_WORDS = frozenset(
    [
        "AWS",
        "IAM",
        "S3",
        "EC2",
        "SSM",
        "STS",
        "VPC",
        "CLI",
        "Session",
        "Manager",
        "Service",
        "Quotas",
        "Amazon",
        "SSO",
        "MFA",
        "moto",
        "pytest",
        "python",
        "npm",
        "handson",
        "allure",
        "botocore",
        "boto3",
        "HTML",
        "JSON",
        "URL",
        "ARN",
        "ID",
        "OK",
    ]
)
# JSON's own words, as a learner writes them in a policy file.
JSON_WORDS = frozenset(["true", "false", "null"])
ALLOWED = POLICY_WORDS | PRODUCT_WORDS | JSON_WORDS

# Lines pytest writes itself, and not the suite.
PYTEST_LINES = re.compile(
    r"^(=+ .* =+|=+|_+ .* _+|collected \d+ items?.*|platform .*|rootdir: .*|configfile: .*"
    r"|plugins: .*|cachedir: .*"
    r"|(\d+ (failed|passed|skipped|errors?|deselected)(, )?)+ in [\d.]+s.*"
    r"|\S+\.py [.FEsxX]+ *(\[ *\d+%\])?|[.FEsxX]+ *(\[ *\d+%\])?)$"
)
# Commands a learner types, written out in a message, and quoted names (a quota's, a value's).
COMMANDS = re.compile(
    r"(npm run \w+|python -m [\w.]+(?: --?[\w-]+(?: [\w.-]+)?)*|pytest \S+(?: --?[\w-]+(?:=\S+)?)*"
    r"|aws(?: \w[\w-]*){1,2}(?= |$|[^\x00-\x7f])|&& \w+|`[^`]*`|'[^']*'|\"[^\"]*\")"
)
# A token with any of these is code-like (a path, an ARN, an option, a call, a value).
CODE_LIKE = re.compile(r"[/:._=*$<>\[\]{}()'\"@\d#|\\-]")
# A word with a capital letter after its first letter: an identifier (a Sid, an error code, an
# action name such as GetObject or AccessDenied).
IDENTIFIER = re.compile(r"^[A-Za-z][a-z]*[A-Z][A-Za-z]*$")
WORD = re.compile(r"[A-Za-z]+")


def english_words(text: str) -> list[str]:
    """The English words of ``text``, in order, outside the allow-list, commands, code-like
    tokens and pytest's own lines."""
    found: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or PYTEST_LINES.match(line):
            continue
        line = COMMANDS.sub(" ", line)
        # Japanese characters and full-width punctuation part tokens as spaces do.
        for token in re.split(r"[\s\u3000-\u30ff\u3400-\u9fff\uff00-\uffef、。「」（）]+", line):
            token = token.strip(",;!?")
            if not token or CODE_LIKE.search(token):
                continue
            for word in WORD.findall(token):
                if word not in ALLOWED and not IDENTIFIER.match(word):
                    found.append(word)
    return found

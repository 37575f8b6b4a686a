"""AWS's own error answers, in each service's protocol (S3's and EC2's XML, IAM's and STS's
query XML, SSM's JSON), as the fault proxy and the AWS-like layer send them."""

from __future__ import annotations

import base64
import os
import uuid

from tests.helpers.fault_proxy_types import Answer, Request

# -- AWS's own error answers ----------------------------------------------------------------------


def new_request_id() -> str:
    return str(uuid.uuid4())


def s3_error(status: int, reason: str, code: str, message: str, head: bool) -> Answer:
    request_id = uuid.uuid4().hex[:16].upper()
    host_id = base64.b64encode(os.urandom(48)).decode()
    headers = [
        ("x-amz-request-id", request_id),
        ("x-amz-id-2", host_id),
        ("Content-Type", "application/xml"),
        ("Server", "AmazonS3"),
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
    ).encode()
    # S3 answers a HEAD with the status alone: botocore then reports the status as the code.
    return Answer(status, reason, headers, b"" if head else body, code)


def ec2_error(status: int, reason: str, code: str, message: str) -> Answer:
    request_id = new_request_id()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        f"</Errors><RequestID>{request_id}</RequestID></Response>"
    ).encode()
    headers = [("Content-Type", "text/xml;charset=UTF-8"), ("Server", "AmazonEC2")]
    return Answer(status, reason, headers, body, code)


QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def query_error(
    service: str, status: int, reason: str, kind: str, code: str, message: str
) -> Answer:
    request_id = new_request_id()
    body = (
        f'<ErrorResponse xmlns="{QUERY_NAMESPACES[service]}"><Error><Type>{kind}</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", "text/xml")]
    return Answer(status, reason, headers, body, code)


def json_error(status: int, reason: str, code: str, message: str) -> Answer:
    body = f'{{"__type":"{code}","message":"{message}"}}'.encode()
    headers = [
        ("x-amzn-RequestId", new_request_id()),
        ("Content-Type", "application/x-amz-json-1.1"),
    ]
    return Answer(status, reason, headers, body, code)


def generic_error() -> Answer:
    request_id = new_request_id()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>InternalError</Code><Message>We encountered an internal error. "
        f"Please try again.</Message><RequestId>{request_id}</RequestId></Error>"
    ).encode()
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", "application/xml")]
    return Answer(500, "Internal Server Error", headers, body, "InternalError")


def throttling_error(service: str, request: Request) -> Answer:
    """The service's own "slow down" answer (its 500 for services without one here)."""
    if service == "s3":
        return s3_error(
            503,
            "Slow Down",
            "SlowDown",
            "Please reduce your request rate.",
            request.method == "HEAD",
        )
    if service == "ec2":
        return ec2_error(
            503, "Service Unavailable", "RequestLimitExceeded", "Request limit exceeded."
        )
    if service in QUERY_NAMESPACES:
        return query_error(service, 400, "Bad Request", "Sender", "Throttling", "Rate exceeded")
    if service == "ssm":
        return json_error(400, "Bad Request", "ThrottlingException", "Rate exceeded")
    return generic_error()


def internal_error(service: str, request: Request) -> Answer:
    """The service's own HTTP 500."""
    reason = "Internal Server Error"
    if service == "s3":
        message = "We encountered an internal error. Please try again."
        return s3_error(500, reason, "InternalError", message, request.method == "HEAD")
    if service == "ec2":
        return ec2_error(500, reason, "InternalError", "An internal error has occurred.")
    if service in QUERY_NAMESPACES:
        message = "An internal error has occurred. Please try again."
        return query_error(service, 500, reason, "Receiver", "InternalError", message)
    if service == "ssm":
        return json_error(
            500, reason, "InternalServerError", "An error occurred on the server side."
        )
    return generic_error()


def invalid_key(service: str, request: Request) -> Answer:
    """A key the service does not know (yet): what each service says of a new access key."""
    if service == "s3":
        message = "The AWS Access Key Id you provided does not exist in our records."
        head = request.method == "HEAD"
        return s3_error(403, "Forbidden", "InvalidAccessKeyId", message, head)
    if service == "ec2":
        message = "AWS was not able to validate the provided access credentials"
        return ec2_error(401, "Unauthorized", "AuthFailure", message)
    message = "The security token included in the request is invalid."
    if service in QUERY_NAMESPACES:
        return query_error(service, 403, "Forbidden", "Sender", "InvalidClientTokenId", message)
    return json_error(400, "Bad Request", "UnrecognizedClientException", message)


def access_denied(service: str, request: Request, arn: str, action: str) -> Answer:
    """Each service's authorization error for ``arn`` calling ``action`` with no policy yet."""
    why = f"User: {arn} is not authorized to perform: {action} because no identity-based policy "
    why += f"allows the {action} action"
    return authorization_error(service, request, why)


def denied_by_organization(
    service: str, request: Request, arn: str, action: str, *, explicit: bool
) -> Answer:
    """Each service's authorization error where the account's organization (its service control
    policies) denies ``arn`` the call, in the words of the IAM User Guide's "Access denied error
    messages": an SCP's explicit deny, or none of them allowing it."""
    why = f"User: {arn} is not authorized to perform: {action} "
    if explicit:
        why += "with an explicit deny in a service control policy"
    else:
        why += f"because no service control policy allows the {action} action"
    return authorization_error(service, request, why)


def denied_for_key(service: str, request: Request, arn: str, key: str) -> Answer:
    """S3's answer where the bucket's default encryption is a KMS key and the caller may not
    use it (S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors"): the action
    named is the key's, ``kms:GenerateDataKey``, not the upload's."""
    why = (
        f"User: {arn} is not authorized to perform: kms:GenerateDataKey on resource: {key} "
        "because no identity-based policy allows the kms:GenerateDataKey action"
    )
    return authorization_error(service, request, why)


def authorization_error(service: str, request: Request, why: str) -> Answer:
    """Each service's authorization error, in its own code and shape, saying ``why``."""
    if service == "s3":
        return s3_error(403, "Forbidden", "AccessDenied", why, request.method == "HEAD")
    if service == "ec2":
        message = f"You are not authorized to perform this operation. {why}"
        return ec2_error(403, "Forbidden", "UnauthorizedOperation", message)
    if service in QUERY_NAMESPACES:
        return query_error(service, 403, "Forbidden", "Sender", "AccessDenied", why)
    return json_error(400, "Bad Request", "AccessDeniedException", why)


def instance_not_found(ids: list[str]) -> Answer:
    """EC2's answer about instances it does not know (yet), naming them."""
    named = ", ".join(f"'{i}'" for i in ids) or "'i-unknown'"
    message = f"The instance ID {named} does not exist"
    return ec2_error(400, "Bad Request", "InvalidInstanceID.NotFound", message)

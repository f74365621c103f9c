"""The denial as AWS answers it: the service's own error code and HTTP status, and IAM's
message wording.

Message (IAM User Guide, "Troubleshoot access denied error messages"): "User: <principal>
is not authorized to perform: <action> on resource: <resource> because no <type> policy
allows the <action> action" for an implicit deny, "... with an explicit deny in a <type>
policy" for an explicit one; here the type is always "identity-based".

Error code, per service, from the botocore service model: a model that defines its
access-denied error names it (ECS, EventBridge, CloudWatch Logs, SSM: AccessDeniedException;
S3: AccessDenied; SNS: AuthorizationError, its AuthorizationErrorException shape's code).
Where the model defines none, the code is the one AWS's front end answers for the protocol:
AccessDeniedException for the JSON and CBOR protocols (DynamoDB, Step Functions, CodeDeploy,
CodeBuild, ECR, Lambda), AccessDenied for the query and REST-XML ones and for query-compatible
services (IAM, STS, ELBv2, CloudFormation, CloudWatch); each service's API Reference lists
these under "Common Errors".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from turnout_sandbox.iam.policy import Outcome

IDENTITY_BASED = "identity-based"

# Protocols whose unmodeled access-denied code is AccessDeniedException (and HTTP 400 for the
# RPC ones: e.g. DynamoDB and ECS API References, "Common Errors": "HTTP Status Code: 400").
_JSON_RPC = {"json", "smithy-rpc-v2-cbor"}
_REST_JSON = {"rest-json"}


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int


@cache
def access_denied_code(service: str) -> ErrorCode:
    """The error code and HTTP status ``service`` answers a denied request with."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    for name in ("AccessDeniedException", "AccessDenied", "AuthorizationErrorException"):
        if name in model.shape_names:
            error = model.shape_for(name).metadata.get("error", {})
            status = int(error.get("httpStatusCode", 0)) or (
                400 if model.protocol in _JSON_RPC else 403
            )
            return ErrorCode(str(error.get("code", name)), status)
    query_compatible = "awsQueryCompatible" in model.metadata
    if model.protocol in _JSON_RPC and not query_compatible:
        return ErrorCode("AccessDeniedException", 400)
    if model.protocol in _REST_JSON:
        return ErrorCode("AccessDeniedException", 403)
    return ErrorCode("AccessDenied", 403)


def denial_message(principal_arn: str, action: str, resource: str, outcome: Outcome) -> str:
    """IAM's wording of a denial (see the module doc)."""
    head = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
    if outcome is Outcome.EXPLICIT_DENY:
        return f"{head} with an explicit deny in an {IDENTITY_BASED} policy"
    if outcome is Outcome.IMPLICIT_DENY:
        return f"{head} because no {IDENTITY_BASED} policy allows the {action} action"
    raise ValueError("an allowed request has no denial message")


class AccessDeniedError(Exception):
    """A request IAM denied, with what the service answers: ``code`` (its own error code),
    ``status`` (HTTP) and ``message`` (IAM's wording)."""

    def __init__(
        self, service: str, operation: str, action: str, resource: str, message: str
    ) -> None:
        found = access_denied_code(service)
        self.service = service
        self.operation = operation
        self.action = action
        self.resource = resource
        self.code = found.code
        self.status = found.status
        self.message = message
        super().__init__(message)

    def client_error_text(self) -> str:
        """What botocore's ClientError prints for this answer."""
        return f"An error occurred ({self.code}) when calling the {self.operation} operation: " + (
            self.message
        )

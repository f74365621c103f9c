"""S3 bucket policies with their conditions, where moto ignores them.

moto's ``FakeBucket.get_permission`` evaluates a bucket policy without its ``Condition``s, so
the SAM CLI's managed bucket (``aws-sam-cli-managed-default``), whose policy denies ``s3:*``
when ``aws:SecureTransport`` is false, refused every upload. Here the statements that apply to
every principal (``"Principal": "*"``) are evaluated with turnout's IAM engine, the request
context being that of an SDK calling over TLS (as :func:`turnout_sandbox.iam.principals.global_keys`
gives every call): Amazon S3 User Guide, "Bucket policy examples" ("Managing access based on
HTTP or HTTPS requests"); IAM User Guide, "aws:SecureTransport". Statements naming other
principals (a service, an account) are not evaluated (not yet: resource-based policies).

Nothing is patched at import; the module keeps no state.
"""

from __future__ import annotations

import json
from typing import Any, Final

from turnout_sandbox.patches import Internal, Patch, replaces

__all__ = ["INTERNALS", "PATCHES", "reset"]

_EVERYONE: Final = ("*", {"AWS": "*"})


@replaces(
    "moto.s3.models:FakeBucket",
    "get_permission",
    name="s3.bucket-policy-conditions",
    why="a bucket policy's Conditions count (moto ignored them: the SAM CLI's managed bucket, "
    "denying s3:* when aws:SecureTransport is false, refused every upload)",
)
def _get_permission(self: Any, action: str, resource: str) -> Any:
    from moto.iam.access_control import PermissionResult

    from turnout_sandbox.iam.policy import Outcome, Policy, PolicyError, Request, evaluate

    if self.policy is None:
        return PermissionResult.NEUTRAL
    try:
        document = json.loads(
            self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        )
        statements = [
            {k: v for k, v in s.items() if k not in ("Principal", "NotPrincipal")}
            for s in document.get("Statement", [])
            if isinstance(s, dict) and s.get("Principal") in _EVERYONE
        ]
        if not statements:
            return PermissionResult.NEUTRAL
        policy = Policy.parse(f"bucket policy of {self.name}", {"Statement": statements})
    except (ValueError, PolicyError, AttributeError):
        return _get_permission.original(self, action, resource)  # moto's own reading
    found = evaluate([policy], Request.of(action, resource, {"aws:SecureTransport": True}))
    if found.decision is Outcome.EXPLICIT_DENY:
        return PermissionResult.DENIED
    if found.decision is Outcome.ALLOW:
        return PermissionResult.PERMITTED
    return PermissionResult.NEUTRAL


PATCHES: Final[tuple[Patch, ...]] = (_get_permission,)
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.iam.access_control:PermissionResult",
        "what FakeBucket.get_permission answers (DENIED, PERMITTED, NEUTRAL)",
    ),
)


def reset() -> None:
    """Nothing to clear: this module only replaces a method."""

"""The sandbox server's front door: what may reach moto's WSGI app at all (issue 12 item 6).

moto's server answers every service it has, unauthenticated, to any ``Host``, with flask-cors
``Access-Control-Allow-Origin: *`` on every answer and its admin API (``/moto-api/``: reset,
state dump, seeding, config, recorder) open (security-review row 9). :class:`Guard` wraps the
app and refuses, before moto sees the request:

* a ``Host`` other than ``127.0.0.1:<port>``, ``localhost:<port>`` or ``[::1]:<port>``
  (403, one line: the DNS-rebinding defence: a page on ``evil.example`` rebound to 127.0.0.1
  still sends ``Host: evil.example``);
* any request carrying ``Origin`` (browsers send it on cross-origin requests; SDKs and the
  CLI never do), so a web page cannot drive the sandbox even with a "simple" form POST;
* ``/moto-api/`` and the instance-metadata paths (moto's admin and EC2 emulation);
* an unsigned request, as AWS does (MissingAuthenticationToken);
* with a per-run access key, a request signed with any other key (InvalidClientTokenId /
  UnrecognizedClientException, AWS's wording);
* a service outside :data:`SERVED_SERVICES`: moto Batch runs ``docker run`` with the job's
  privileges and mounts, and other moto services call out or start processes; the sandbox
  emulates only what turnout's stack, the demo service and the CLI use.

It also drops every ``Access-Control-*`` header from moto's answers, and :data:`PATCHES`
switches moto's global CORS off where the app is built (so no answer ever carries
``Access-Control-Allow-Origin: *``).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from turnout_sandbox.patches import AttributePatch

__all__ = [
    "PATCHES",
    "SERVED_SERVICES",
    "AccessKeyError",
    "Guard",
    "resolve_access_key",
]

#: The SigV4 signing names the server answers: the services of turnout's template and its
#: functions, the demo service, the CLI and `sandbox send` (everything else: NotAvailable).
SERVED_SERVICES: Final = frozenset(
    {
        "cloudformation",
        "codebuild",
        "codecommit",
        "codedeploy",
        "dynamodb",
        "ecr",
        "ecs",
        "elasticloadbalancing",
        "events",
        "iam",
        "kms",
        "lambda",  # without Docker: mock_aws config, and /moto-api/config is refused
        "logs",
        "monitoring",
        "s3",
        "sns",
        "sqs",
        "states",
        "sts",
    }
)

#: moto's admin API and its EC2 instance-metadata emulation (moto_server/werkzeug_app.py
#: routes these by path, before any service).
_REFUSED_PATHS: Final = ("/moto-api", "/latest/meta-data", "/latest/api", "/favicon.ico")

#: IAM API reference, "Common Errors" (https://docs.aws.amazon.com/IAM/latest/APIReference/
#: CommonErrors.html): InvalidClientTokenId (403) "The X.509 certificate or AWS access key ID
#: provided does not exist in our records"; MissingAuthenticationToken (403). JSON-protocol
#: services answer an unknown key with UnrecognizedClientException, "The security token
#: included in the request is invalid." (botocore's logs/dynamodb models: "the most likely
#: cause is an AWS access key ID or secret key that's not valid"); S3 with InvalidAccessKeyId.
_BAD_KEY_MESSAGE: Final = "The security token included in the request is invalid."
_NO_KEY_MESSAGE: Final = (
    "Request is missing Authentication Token: sign it with AWS Signature Version 4"
)

#: IAM's CreateAccessKey AccessKeyId: [\w]+, 16 to 128 characters (IAM API reference, AccessKey).
_KEY_SHAPE: Final = re.compile(r"^\w{16,128}$")
_CREDENTIAL: Final = re.compile(r"Credential=([^/,\s]+)/[^/]*/([^/]*)/([^/,\s]+)/aws4_request")


class AccessKeyError(ValueError):
    """A ``--access-key`` value that is not none, auto or an access key id (names it)."""


def resolve_access_key(value: str | None) -> str | None:
    """None for "none" (any key is accepted, as moto does), a fresh random key for "auto",
    else ``value`` itself when it has an access key id's shape."""
    if value is None or value.strip().lower() in {"", "none"}:
        return None
    if value.strip().lower() == "auto":
        # the shape of a long-term key id (AKIA + 16 characters of A-Z2-7), 80 random bits
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    if not _KEY_SHAPE.match(value):
        raise AccessKeyError(
            f"access key {value!r} is not none, auto or an access key id "
            "(16 to 128 letters, digits or underscores)"
        )
    return value


@dataclass(frozen=True)
class _Answer:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def send(self, start_response: Callable[..., Any]) -> list[bytes]:
        start_response(self.status, [*self.headers, ("Content-Length", str(len(self.body)))])
        return [self.body]


def _plain(reason: str) -> _Answer:
    """403 with a one-line reason (for what is not an AWS request at all)."""
    body = f"refused by the turnout sandbox server: {reason}\n".encode()
    return _Answer("403 Forbidden", (("Content-Type", "text/plain; charset=utf-8"),), body)


_STATUS: Final = {400: "400 Bad Request", 403: "403 Forbidden"}


def _aws_error(
    environ: dict[str, Any], service: str, code: str, message: str, status: int
) -> _Answer:
    """An AWS error in the protocol the request used, so the SDK raises ClientError(code)."""
    request_id = str(uuid.uuid4())
    content_type = str(environ.get("CONTENT_TYPE") or "")
    if environ.get("HTTP_X_AMZ_TARGET") or content_type.startswith("application/x-amz-json"):
        headers: tuple[tuple[str, str], ...] = (
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
        )
        body = json.dumps({"__type": code, "message": message}).encode()
    elif content_type.startswith("application/x-www-form-urlencoded"):
        headers = (("Content-Type", "text/xml"),)
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    elif service == "s3":
        headers = (("Content-Type", "application/xml"),)
        body = (
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
    else:  # rest-json (Lambda, ...): botocore reads the code from x-amzn-ErrorType
        headers = (("Content-Type", "application/json"), ("x-amzn-ErrorType", code))
        body = json.dumps({"message": message}).encode()
    return _Answer(_STATUS[status], (*headers, ("x-amzn-RequestId", request_id)), body)


def _credential(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(access key id, signing name) of a SigV4 request (header or presigned query)."""
    found = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION") or ""))
    if found is not None:
        return found.group(1), found.group(3).lower()
    query = parse_qs(str(environ.get("QUERY_STRING") or ""))
    scope = (query.get("X-Amz-Credential") or [""])[0].split("/")
    if len(scope) == 5 and scope[4] == "aws4_request":
        return scope[0], scope[3].lower()
    return None


def _loopback_hosts(port: int) -> frozenset[str]:
    return frozenset(f"{host}:{port}" for host in ("127.0.0.1", "localhost", "[::1]"))


def _no_cors(start_response: Callable[..., Any]) -> Callable[..., Any]:
    def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        return start_response(status, kept, *rest)

    return start


class Guard:
    """WSGI middleware in front of moto's app: refuses what is named in the module doc."""

    def __init__(
        self,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        *,
        port: int,
        access_key: str | None = None,
        services: frozenset[str] = SERVED_SERVICES,
    ) -> None:
        self.app = app
        self.hosts = _loopback_hosts(port)
        self.access_key = access_key
        self.services = services

    def refusal(self, environ: dict[str, Any]) -> _Answer | None:
        """Why this request may not reach moto (None: it may)."""
        return self._not_aws(environ) or self._not_allowed(environ)

    def _not_aws(self, environ: dict[str, Any]) -> _Answer | None:
        """A wrong Host, a browser's cross-origin request, moto's admin paths: 403, one line."""
        host = str(environ.get("HTTP_HOST") or "").lower()
        if host not in self.hosts:
            wanted = ", ".join(sorted(self.hosts))
            return _plain(
                f"Host {host[:100]!r} is not this sandbox ({wanted}; DNS rebinding defence)"
            )
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None:
            return _plain(
                f"a cross-origin request (Origin {str(origin)[:100]!r}): the sandbox serves "
                "AWS SDKs and the turnout CLI, not web pages"
            )
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith(_REFUSED_PATHS):
            return _plain(f"{path[:100]!r}: moto's admin and metadata endpoints are off")
        return None

    def _not_allowed(self, environ: dict[str, Any]) -> _Answer | None:
        """Unsigned, signed with another key, or for a service not served: AWS's errors."""
        credential = _credential(environ)
        if credential is None:
            return _aws_error(environ, "", "MissingAuthenticationToken", _NO_KEY_MESSAGE, 403)
        key, service = credential
        if self.access_key is not None and not hmac.compare_digest(
            key.encode(), self.access_key.encode()
        ):
            return _bad_key(environ, service)
        if service not in self.services:
            return _aws_error(
                environ,
                service,
                "NotAvailableInSandbox",
                f"{service[:60]} is not available in the turnout sandbox server: it serves "
                f"only {', '.join(sorted(self.services))}",
                400,
            )
        return None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        refused = self.refusal(environ)
        if refused is not None:
            return refused.send(start_response)
        return self.app(environ, _no_cors(start_response))


def _bad_key(environ: dict[str, Any], service: str) -> _Answer:
    content_type = str(environ.get("CONTENT_TYPE") or "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _aws_error(environ, service, "InvalidClientTokenId", _BAD_KEY_MESSAGE, 403)
    if service == "s3":
        message = "The AWS Access Key Id you provided does not exist in our records."
        return _aws_error(environ, service, "InvalidAccessKeyId", message, 403)
    status = 403 if service == "lambda" else 400  # Lambda: 403, the JSON services: 400
    return _aws_error(environ, service, "UnrecognizedClientException", _BAD_KEY_MESSAGE, status)


#: moto_server/werkzeug_app.py: ``if not DISABLE_GLOBAL_CORS: CORS(backend_app)`` (flask-cors
#: defaults: origins "*", always_send: ACAO on every answer); read when each service's app
#: is built, at its first request: the sandbox starts before the server answers any.
PATCHES: Final = (
    AttributePatch(
        name="server: moto's global CORS off",
        owner="moto.moto_server.werkzeug_app",
        attribute="DISABLE_GLOBAL_CORS",
        new=True,
        why="AWS service endpoints send no Access-Control-Allow-Origin: * (security-review row "
        "9: a web page could drive the sandbox); moto's server adds it to every answer",
    ),
)

"""Global options, the boto3 session they describe, and AWS errors turned into one clear line.

boto3/botocore are imported inside the functions: ``turnout --help`` never loads them.
"""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from turnout_cli.errors import CliError, OperationFailed

if TYPE_CHECKING:
    from botocore.config import _RetryDict

DEFAULT_STACK = "turnout-hello-aws"
SANDBOX_REGION = "ap-northeast-2"
#: ``turnout_sandbox.api.DEFAULT_PORT`` (kept here so ``sandbox send`` does not import moto).
SANDBOX_PORT = 4747
SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}"
_DUMMY_KEY = "testing"  # the sandbox accepts any credentials, unless it was given a key
#: the key `turnout sandbox serve --access-key auto` printed (signs requests to the endpoint)
SANDBOX_KEY_ENV = "TURNOUT_SANDBOX_ACCESS_KEY"


def _dummy_key() -> str:
    """The access key id for an endpoint that is not AWS (never the user's own)."""
    return os.environ.get(SANDBOX_KEY_ENV, "").strip() or _DUMMY_KEY


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


@dataclass(frozen=True)
class Globals:
    stack: str = DEFAULT_STACK
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: OutputFormat = OutputFormat.table
    #: sign requests to --endpoint-url with the user's own credentials (else dummy ones)
    endpoint_credentials: bool = False

    @classmethod
    def merge(
        cls,
        outer: Globals | None,
        *,
        stack: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        output: OutputFormat | None = None,
        endpoint_credentials: bool | None = None,
    ) -> Globals:
        """Options given after the verb win over those given before it, then the environment."""
        base = outer or cls(stack=os.environ.get("TURNOUT_STACK") or DEFAULT_STACK)
        endpoint = endpoint_url or base.endpoint_url
        if endpoint is not None:
            endpoint = endpoint.strip().rstrip("/")
            if not endpoint.startswith(("http://", "https://")) or len(endpoint) < 10:
                raise CliError(
                    f"--endpoint-url {endpoint_url or base.endpoint_url!r} is not an http(s) URL"
                )
        name = (stack or base.stack).strip()
        if not name:
            raise CliError("--stack is empty: give the stack name (or set TURNOUT_STACK)")
        return cls(
            stack=name,
            profile=profile or base.profile,
            region=region or base.region,
            endpoint_url=endpoint,
            output=output or base.output,
            endpoint_credentials=bool(endpoint_credentials or base.endpoint_credentials),
        )

    @property
    def json(self) -> bool:
        return self.output is OutputFormat.json


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost (RFC 6761: "localhost." names resolve to loopback)."""
    import ipaddress

    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refuse_plain_http(endpoint: str) -> None:
    """CliError when real credentials would go over plain http to a host off this machine."""
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise CliError(
            f"refusing to send your AWS credentials over plain http to {parts.hostname} "
            f"({endpoint}): use an https endpoint, a loopback one (127.0.0.1, localhost), or "
            "drop --endpoint-credentials to sign with dummy keys"
        )


@dataclass
class Aws:
    """Clients for one (profile, region, endpoint), created on first use."""

    options: Globals
    _session: Any = None
    _region: str = ""
    _clients: dict[str, Any] = field(default_factory=dict)
    _server_time: float | None = None

    def now(self) -> float:
        """The service's time: the ``Date`` of its latest response, else the local clock.

        Times the stack records (ledger, archived events) are the service's; comparing them
        with the service's "now" is right on AWS (whatever the local clock's skew) and on
        the sandbox, whose virtual clock runs ahead of the wall clock.
        """
        import time

        return self._server_time if self._server_time is not None else time.time()

    def _saw_response(self, http_response: Any = None, **_: Any) -> None:
        from email.utils import parsedate_to_datetime

        headers = getattr(http_response, "headers", None) or {}
        date = headers.get("Date") or headers.get("date")
        if not date:
            return
        try:
            # HTTP dates have whole seconds: the service's clock is somewhere in the next one,
            # so its end is the safe estimate of "now" (a window ending now misses nothing).
            seen = parsedate_to_datetime(str(date)).timestamp() + 0.999
        except (TypeError, ValueError):
            return
        if self._server_time is None or seen > self._server_time:
            self._server_time = seen

    @property
    def region(self) -> str:
        self._ensure()
        return self._region

    def where(self) -> str:
        """'in ap-northeast-2 at http://127.0.0.1:4747' (for messages)."""
        place = f"in {self.region}"
        return place + (f" at {self.options.endpoint_url}" if self.options.endpoint_url else "")

    def _ensure(self) -> None:
        if self._session is not None:
            return
        import boto3
        from botocore.exceptions import ProfileNotFound

        opts = self.options
        try:
            session = boto3.Session(profile_name=opts.profile)
        except ProfileNotFound:
            raise CliError(
                f"--profile {opts.profile!r}: no such profile in your AWS config"
            ) from None
        region = opts.region or session.region_name
        if opts.endpoint_url and not opts.endpoint_credentials:
            # security-review row 14: an endpoint that is not AWS never gets the user's keys
            # (the access key id and session token travel in each request's headers)
            region = region or SANDBOX_REGION
            session = boto3.Session(
                aws_access_key_id=_dummy_key(), aws_secret_access_key=_DUMMY_KEY, region_name=region
            )
            credentials = session.get_credentials()
        else:
            credentials = session.get_credentials()
        endpoint = opts.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint and credentials is not None and credentials.access_key != _dummy_key():
            refuse_plain_http(endpoint)
        if opts.endpoint_url:
            region = region or SANDBOX_REGION
            if credentials is None:
                session = boto3.Session(
                    aws_access_key_id=_dummy_key(),
                    aws_secret_access_key=_DUMMY_KEY,
                    region_name=region,
                )
        else:
            if credentials is None:
                raise CliError(
                    "no AWS credentials found: set AWS_PROFILE or "
                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                    "pass --profile, or pass --endpoint-url for the sandbox"
                )
            if not region:
                raise CliError(
                    "no AWS region: pass --region or set AWS_REGION (or a region in your profile)"
                )
        self._session = session
        self._region = str(region)

    def _session_setting(self, name: str) -> object:
        """A setting of the profile in use (``max_attempts``...); None when unset."""
        try:
            return self._session._session.get_scoped_config().get(name)
        except Exception:  # a broken or missing profile has no retry settings
            return None

    def client(self, service: str) -> Any:
        found = self._clients.get(service)
        if found is not None:
            return found
        self._ensure()
        from botocore.config import Config

        local = self.options.endpoint_url is not None
        chosen = retries(os.environ, self._session_setting, local=local)
        config = Config(connect_timeout=3 if local else 10, read_timeout=60)
        if chosen is not None:
            config = config.merge(Config(retries=chosen))
        found = self._session.client(
            service, region_name=self._region, endpoint_url=self.options.endpoint_url, config=config
        )
        found.meta.events.register("after-call", self._saw_response)
        self._clients[service] = found
        return found


#: Where botocore reads the user's retry settings: the environment, then the profile
#: (botocore/configprovider.py: ``max_attempts`` <- AWS_MAX_ATTEMPTS, ``retry_mode`` <-
#: AWS_RETRY_MODE).
RETRY_SETTINGS = (("AWS_MAX_ATTEMPTS", "max_attempts"), ("AWS_RETRY_MODE", "retry_mode"))


def retries(
    environ: Mapping[str, str], profile_setting: Callable[[str], object], *, local: bool = False
) -> _RetryDict | None:
    """The ``retries`` the CLI passes to botocore: None (botocore reads the user's own) when
    AWS_MAX_ATTEMPTS/AWS_RETRY_MODE or the profile's max_attempts/retry_mode are set, else the
    CLI's own: standard mode, 4 retries (2 against a local endpoint) (aws-fidelity row 41).
    An explicit ``Config(retries=...)`` would override the user's settings
    (botocore/config.py)."""
    for variable, setting in RETRY_SETTINGS:
        if environ.get(variable) or profile_setting(setting):
            return None
    return {"mode": "standard", "max_attempts": 2 if local else 4}


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


_AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "IncompleteSignature",
    }
)


def translate(exc: BaseException, options: Globals) -> CliError | None:  # noqa: PLR0911
    """The one-line error for an AWS/botocore exception; None when ``exc`` is not one."""
    try:
        from botocore import exceptions as bx
    except ImportError:  # pragma: no cover - botocore is a dependency
        return None
    endpoint = options.endpoint_url
    if isinstance(
        exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError
    ):
        if endpoint:
            return CliError(f"cannot reach {endpoint}: is `turnout sandbox serve` running?")
        return CliError(f"cannot reach AWS: {exc}; check your network and --region")
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CliError(f"AWS credentials are missing or incomplete: {exc}")
    if isinstance(exc, bx.NoRegionError):
        return CliError("no AWS region: pass --region or set AWS_REGION")
    if isinstance(exc, bx.ProfileNotFound):
        return CliError(f"--profile {options.profile!r}: no such profile in your AWS config")
    if isinstance(exc, bx.ParamValidationError):
        return CliError(f"invalid request: {exc}")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        operation = getattr(exc, "operation_name", "") or "AWS call"
        if code in _AUTH_CODES:
            hint = (
                f" (a sandbox served with --access-key takes only its key: set {SANDBOX_KEY_ENV})"
                if endpoint
                else ""
            )
            return CliError(f"AWS rejected the credentials ({code}): {error_message(exc)}{hint}")
        if code.startswith("AccessDenied"):
            return OperationFailed(f"{operation}: access denied: {error_message(exc)}")
        return OperationFailed(f"{operation} failed: {code}: {error_message(exc)}")
    if isinstance(exc, bx.BotoCoreError):
        return OperationFailed(f"AWS SDK error: {exc}")
    return None

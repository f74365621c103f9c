"""Server mode: the sandbox with the demo service and its turnout stack, on 127.0.0.1.

One process holds one sandbox (moto's backends are process-global). :class:`SandboxServer`
binds the port first (so a taken port fails fast, before the sandbox starts), then starts the
sandbox (mock_aws in-process, the emulators, the demo service ``hello-aws`` and the turnout
stack ``turnout-hello-aws``), then serves moto's HTTP API on background threads sharing the
same backends::

    with SandboxServer(ServerOptions(port=0, speed=100, trigger="manual")) as server:
        boto3.client("codecommit", endpoint_url=server.url, ...)

:func:`serve` is the blocking form behind ``turnout sandbox serve`` (until Ctrl-C, SIGTERM or
the ``stop`` event).

Responses carry the sandbox's **virtual** time in their ``Date`` header, as AWS's carry its
own time: a client that needs "now" to compare with the times the stack records (the
ledger, archived events) reads it from there.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from turnout_sandbox.faults import FaultSpec, FaultSpecError
from turnout_sandbox.runtime import CLOCKS

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from turnout_sandbox.demo import DemoService
    from turnout_sandbox.sandbox import Sandbox, Stack

DEFAULT_PORT = 4747
DEFAULT_SPEED = 60.0
TRIGGERS = ("push", "manual")
#: The stack parameter DeploymentEngine's values (template.yaml; README "Deployment engines"):
#: ecs sets the demo service up ECS-controlled with strategy BLUE_GREEN (demo_ecs.py).
ENGINES = ("codedeploy", "ecs")
HOST = "127.0.0.1"
#: The region served when neither --region nor the environment names one.
FALLBACK_REGION = "ap-northeast-2"
#: A region name as botocore's endpoint rules take it (us-east-1, ap-northeast-2, eu-central-2,
#: us-gov-west-1, cn-north-1): the user's typo fails here, not as an empty region.
_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def default_region() -> str:
    """The environment's region as boto3 reads it (AWS_REGION, then AWS_DEFAULT_REGION), else
    ap-northeast-2: a user's usual region is the one their clients will call."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or FALLBACK_REGION


class PortInUse(Exception):
    """The port on 127.0.0.1 is taken (the message names it)."""


class ServerConfigError(ValueError):
    """A server option is out of range (the message names the option and value)."""


@dataclass(frozen=True)
class ServerOptions:
    """How to serve: the port (0 picks a free one), the virtual clock speed and the stack's
    parameters that matter for operating it (BuildTrigger, gate bake/timeout) plus the demo
    deployment group's termination wait."""

    port: int = DEFAULT_PORT
    speed: float = DEFAULT_SPEED
    #: "scaled": virtual time runs at ``speed``; "discrete": at most ``speed``, and only
    #: while no request, Lambda, timer or execution is busy (it never outruns the work)
    clock: str = "scaled"
    trigger: str = "push"
    bake_minutes: int = 5
    timeout_minutes: int = 10
    #: None: 5, or longer than the gate when the hook cannot hold the deployment that long
    #: (a CodeDeploy lifecycle hook times out after an hour)
    termination_wait_minutes: int | None = None
    #: IAM in the sandbox: enforce, warn or off (turnout_sandbox.iam_enforcement)
    iam: str = "enforce"
    #: None or "none": any access key is accepted; "auto": a random one for this run; else
    #: that key: requests signed with another are refused (turnout_sandbox.server_guard)
    access_key: str | None = None
    #: where the demo service and the stack live; every other region is empty, as in AWS
    #: (``serve()`` and ``turnout sandbox serve`` default to the environment's region)
    region: str = FALLBACK_REGION
    #: False: the demo service only; the user deploys turnout with ``sam deploy``
    with_stack: bool = True
    #: faults to inject on the stack's own calls (a spec: turnout_sandbox.faults)
    faults: str | None = None
    #: DeploymentEngine: codedeploy (a CODE_DEPLOY demo service) or ecs (ECS blue/green)
    engine: str = "codedeploy"

    def __post_init__(self) -> None:
        if not _REGION_PATTERN.match(self.region):
            raise ServerConfigError(
                f"region {self.region!r} is not a region name (e.g. us-east-1, ap-northeast-2)"
            )
        if not 0 <= self.port <= 65535:
            raise ServerConfigError(f"port {self.port} is not in 0..65535")
        if not self.speed > 0:
            raise ServerConfigError(f"speed {self.speed} must be positive")
        if self.clock not in CLOCKS:
            raise ServerConfigError(f"clock {self.clock!r} is not one of {', '.join(CLOCKS)}")
        if self.trigger not in TRIGGERS:
            raise ServerConfigError(f"trigger {self.trigger!r} is not one of {', '.join(TRIGGERS)}")
        if self.engine not in ENGINES:
            raise ServerConfigError(f"engine {self.engine!r} is not one of {', '.join(ENGINES)}")
        try:
            FaultSpec.parse(self.faults)
        except FaultSpecError as exc:
            raise ServerConfigError(f"faults: {exc}") from None
        for name in ("bake_minutes", "timeout_minutes", "termination_wait_minutes"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 2880:
                raise ServerConfigError(f"{name} {value} is not in 0..2880")
        if self.timeout_minutes < 1:
            raise ServerConfigError(f"timeout_minutes {self.timeout_minutes} must be at least 1")
        _resolve_key(self.access_key)

    @property
    def termination_wait(self) -> int:
        if self.termination_wait_minutes is not None:
            return self.termination_wait_minutes
        gate = self.bake_minutes + self.timeout_minutes
        return gate + 10 if gate > 55 else 5


@dataclass(frozen=True)
class Ready:
    """What a client needs to call the served sandbox (the banner prints it): the endpoint,
    the region the demo service and the stack live in, the account, the stack's name."""

    url: str
    region: str
    account: str
    stack: str | None
    #: without the stack: the ``sam deploy`` line that deploys turnout for the demo service
    sam_deploy: str | None = None

    def banner(self) -> str:
        stack = f"stack {self.stack}" if self.stack else "no turnout stack"
        return f"on {self.url}, region {self.region}, account {self.account}, {stack}"


class SandboxServer:
    """The sandbox served over HTTP on 127.0.0.1; start() then stop() (or use ``with``)."""

    def __init__(self, options: ServerOptions | None = None) -> None:
        self.options = options or ServerOptions()
        #: the key requests must be signed with (None: any), resolved once ("auto": random)
        self.access_key = _resolve_key(self.options.access_key)
        self.sandbox: Sandbox | None = None
        self.demo: DemoService | None = None
        self.stack: Stack | None = None
        self._http: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        with self._lock:
            if self._http is not None:
                raise RuntimeError(f"the sandbox server is already serving {self.url}")
            http = _bind(self.options.port, self.access_key)
            try:
                self._start_sandbox()
            except BaseException:
                http.server_close()
                self._stop_sandbox()
                raise
            self._http = http
            self._thread = threading.Thread(
                target=http.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"sandbox-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
            return self

    def stop(self) -> None:
        """Stop serving and tear the sandbox down (idempotent)."""
        with self._lock:
            http, thread = self._http, self._thread
            self._http, self._thread = None, None
            if http is not None:
                http.shutdown()
                http.server_close()
            if thread is not None:
                thread.join(timeout=10)
            self._stop_sandbox()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def serving(self) -> bool:
        return self._http is not None

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("the sandbox server is not serving: call start() first")
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def ready(self) -> Ready:
        """The endpoint, region, account and stack being served (after start())."""
        if self.sandbox is None:
            raise RuntimeError("the sandbox server is not serving: call start() first")
        stack = self.stack.name if self.stack is not None else None
        sam = None if self.options.with_stack else self.sam_deploy_line()
        return Ready(self.url, self.sandbox.region, self.sandbox.account, stack, sam)

    def stack_parameters(self) -> dict[str, str]:
        """The turnout stack's parameters for the demo service (after start())."""
        if self.demo is None:
            raise RuntimeError("the sandbox server is not serving: call start() first")
        opts = self.options
        return self.demo.stack_parameters(
            trigger=opts.trigger,
            bake_minutes=opts.bake_minutes,
            timeout_minutes=opts.timeout_minutes,
        )

    def sam_deploy_line(self) -> str:
        """The one command that deploys turnout for the demo service, as the README deploys
        it into AWS (``sam build`` first; AWS_ENDPOINT_URL names this endpoint)."""
        import shlex

        from turnout_sandbox.scenarios import STACK

        overrides = " ".join(shlex.quote(f"{k}={v}") for k, v in self.stack_parameters().items())
        return (
            f"sam deploy --resolve-s3 --stack-name {STACK} --region {self.options.region} "
            "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-confirm-changeset "
            f"--parameter-overrides {overrides}"
        )

    # -- the sandbox ------------------------------------------------------------------------
    def _start_sandbox(self) -> None:
        from turnout_sandbox.demo import DemoService
        from turnout_sandbox.emulators import events
        from turnout_sandbox.sandbox import Sandbox
        from turnout_sandbox.scenarios import STACK

        opts = self.options
        self.sandbox = Sandbox(
            speed=opts.speed,
            clock=opts.clock,
            iam=opts.iam,
            region=opts.region,
            faults=opts.faults,
        ).start()
        self.demo = DemoService(
            termination_wait_minutes=opts.termination_wait, engine=opts.engine
        ).create()
        if opts.with_stack:
            self.stack = self.sandbox.deploy_stack(STACK, self.stack_parameters())
        events.start_schedules()  # a stack deployed later: its rules are picked up

    def _stop_sandbox(self) -> None:
        demo, sandbox = self.demo, self.sandbox
        self.demo, self.sandbox, self.stack = None, None, None
        if demo is not None:
            demo.stop()
        if sandbox is not None:
            sandbox.stop()


def _resolve_key(value: str | None) -> str | None:
    from turnout_sandbox.server_guard import AccessKeyError, resolve_access_key

    try:
        return resolve_access_key(value)
    except AccessKeyError as exc:
        raise ServerConfigError(str(exc)) from None


def _bind(port: int, access_key: str | None = None) -> BaseWSGIServer:
    """moto's WSGI app behind the sandbox's Guard (turnout_sandbox.server_guard: loopback
    Host, no Origin, no /moto-api/, signed requests, the served services, the access key) on
    a socket bound now (OSError on bind -> PortInUse)."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from turnout_sandbox.server_guard import Guard

    class Handler(MotoRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            """The Date header: the sandbox's virtual time (AWS sends its own time)."""
            from turnout_sandbox.runtime import get_runtime, has_runtime

            if timestamp is None and has_runtime():
                timestamp = get_runtime().clock.now()
            return str(super().date_time_string(timestamp))

        def run_wsgi(self) -> None:
            """A request in flight is an actor of the clock: the discrete clock waits for
            it (an idle server lets time flow at the cap, ``speed``)."""
            from turnout_sandbox.runtime import get_runtime, has_runtime

            if not has_runtime():
                super().run_wsgi()
                return
            with get_runtime().clock.busy():
                super().run_wsgi()

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # one line per AWS call would drown the sandbox's own output

    # bound here, not by werkzeug: werkzeug prints and calls sys.exit(1) when a bind fails
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug would
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise PortInUse(f"{HOST}:{port}: {exc.strerror}") from None
    try:
        app = Guard(
            DomainDispatcherApplication(create_backend_app),
            port=int(sock.getsockname()[1]),
            access_key=access_key,
        )
        return make_server(
            HOST, port, app, threaded=True, request_handler=Handler, fd=sock.fileno()
        )
    finally:
        sock.close()  # the server holds its own duplicate of the socket


# ------------------------------------------------------------------------------ blocking


def serve(
    port: int = DEFAULT_PORT,
    on_ready: Callable[[Ready], None] | None = None,
    stop: threading.Event | None = None,
    speed: float = DEFAULT_SPEED,
    *,
    clock: str = "scaled",
    trigger: str = "push",
    bake_minutes: int = 5,
    timeout_minutes: int = 10,
    iam: str = "enforce",
    access_key: str | None = None,
    region: str | None = None,
    with_stack: bool = True,
    faults: str | None = None,
    engine: str = "codedeploy",
    options: ServerOptions | None = None,
) -> None:
    """Serve until ``stop`` is set, Ctrl-C or SIGTERM; ``options`` wins over the others.

    ``on_ready`` gets the endpoint, region, account and stack once serving. Raises PortInUse
    (before the sandbox starts) when the port is taken, ServerConfigError for an option out
    of range.
    """
    opts = options or ServerOptions(
        port=port,
        speed=speed,
        clock=clock,
        trigger=trigger,
        bake_minutes=bake_minutes,
        timeout_minutes=timeout_minutes,
        iam=iam,
        access_key=access_key,
        region=region or default_region(),
        with_stack=with_stack,
        faults=faults,
        engine=engine,
    )
    done = stop or threading.Event()
    restore = _on_sigterm(done)
    try:
        with SandboxServer(opts) as server:
            if on_ready:
                on_ready(server.ready())
            try:
                while not done.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        restore()


def _on_sigterm(done: threading.Event) -> Callable[[], None]:
    """SIGTERM sets ``done`` (main thread only); returns what restores the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore

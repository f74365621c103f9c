"""Server mode: the sandbox with the demo service and its turnout stack, on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

DEFAULT_PORT = 4747


class PortInUse(Exception):
    pass


def serve(
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    speed: float = 60.0,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PortInUse(f"port {port} on 127.0.0.1 is already in use") from None
    from moto.server import ThreadedMotoServer

    from turnout_sandbox.demo import DemoService
    from turnout_sandbox.emulators import events
    from turnout_sandbox.sandbox import Sandbox
    from turnout_sandbox.scenarios import STACK

    sandbox = Sandbox(speed=speed).start()
    demo = DemoService().create()
    sandbox.deploy_stack(STACK, demo.stack_parameters())
    events.start_schedules()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    if on_ready:
        on_ready(url)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        demo.stop()
        sandbox.stop()

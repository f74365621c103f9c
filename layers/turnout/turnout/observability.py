"""Powertools Logger, Metrics and a lazy Tracer, created once for every handler.

The Logger and Metrics are cheap and created at import. The tracer is a proxy: creating a
Powertools ``Tracer`` imports ``aws_xray_sdk`` (about half a second of Lambda INIT, even
with tracing off), so :class:`LazyTracer` creates the real one on the first invocation, and
only when tracing is on.

``aws_xray_sdk`` is not in turnout's layer (it depends on botocore, which would put a second
botocore of ~20 MiB in the layer, shadowing the runtime's). Without it the tracer is a no-op
and says so once in the log. To get X-Ray subsegments from the handlers, add the
AWS-provided Powertools layer (which ships the X-Ray SDK) to the functions, or add
``aws-xray-sdk`` to layers/turnout/requirements.txt.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

__all__ = ["LazyTracer", "logger", "metrics", "tracer", "tracing_wanted"]

_TRUTHY = frozenset({"1", "true", "yes", "on", "y", "t"})


class _Handler(Protocol):
    def __call__(self, event: Any, context: Any, **kwargs: Any) -> Any: ...


def tracing_wanted(env: Mapping[str, str] | None = None) -> bool:
    """Whether Powertools would trace here: in Lambda, not under SAM local or Chalice, and
    not turned off with ``POWERTOOLS_TRACE_DISABLED`` (the rules of ``Tracer`` itself)."""
    e = os.environ if env is None else env
    if e.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    if not e.get("LAMBDA_TASK_ROOT"):
        return False
    return not (e.get("AWS_SAM_LOCAL") or e.get("AWS_CHALICE_CLI_MODE"))


def _xray_sdk_available() -> bool:
    return importlib.util.find_spec("aws_xray_sdk") is not None


class LazyTracer:
    """Stands in for a Powertools ``Tracer`` until a handler first runs.

    ``capture_lambda_handler`` returns a wrapper at import time (no X-Ray import); on the
    first call it decides once: tracing off or the X-Ray SDK missing → call the handler as
    it is; otherwise create the real ``Tracer`` and let it wrap the handler.
    """

    def __init__(
        self,
        *,
        wanted: Callable[[], bool] = tracing_wanted,
        sdk_available: Callable[[], bool] = _xray_sdk_available,
        factory: Callable[[], Tracer] | None = None,
    ) -> None:
        self._wanted = wanted
        self._sdk_available = sdk_available
        self._factory = factory
        self._resolved = False
        self._real: Tracer | None = None

    @property
    def real(self) -> Tracer | None:
        """The real Tracer (created on first use), or None when tracing is a no-op."""
        if not self._resolved:
            self._resolved = True
            if not self._wanted():
                return None
            if not self._sdk_available():
                logger.warning(
                    "X-Ray tracing is on but aws_xray_sdk is not installed: handler "
                    "subsegments are not recorded (add the AWS Powertools layer or aws-xray-sdk)"
                )
                return None
            if self._factory is not None:
                self._real = self._factory()
            else:
                from aws_lambda_powertools import Tracer

                self._real = Tracer()
        return self._real

    def capture_lambda_handler[H: Callable[..., Any]](self, handler: H) -> H:
        traced: list[_Handler] = []

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any, **kwargs: Any) -> Any:
            real = self.real
            if real is None:
                return handler(event, context, **kwargs)
            if not traced:
                traced.append(real.capture_lambda_handler(handler))
            return traced[0](event, context, **kwargs)

        return wrapper  # type: ignore[return-value]


logger = Logger()
tracer = LazyTracer()
metrics = Metrics()

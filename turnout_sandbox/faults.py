"""Fault injection: the failures AWS produces every day, at a rate or once, on the calls the
stack's own principals make (its Lambdas and state machines), never on the sandbox's own.

A spec is parsed once (:meth:`FaultSpec.parse`) and refused with one line naming the bad
part. Grammar: items separated by commas, each ``KIND[:TARGET]=VALUE`` or ``seed=INT``:

* ``throttle[:SERVICE]=RATE``: the service answers its own throttling error (below);
* ``5xx[:SERVICE]=RATE``: the service answers its internal error (HTTP 500);
* ``lambda-error[:FUNCTION]=RATE|first``: the handler raises (an unhandled function error);
* ``lambda-timeout[:FUNCTION]=RATE|first``: the function runs past its timeout
  (``Sandbox.Timedout``, "Task timed out after N.00 seconds");
* ``lambda-crash[:FUNCTION]=RATE|first``: the runtime exits (``Runtime.ExitError``);
* a lambda-* RATE may carry a window, ``RATE@FROM..[UNTIL]``: the fault hits only from FROM
  to UNTIL (or on) virtual seconds after the sandbox started (``lambda-error=1@600..1800``:
  every function fails for those 20 minutes, an outage); :meth:`FaultInjector.add` adds
  such a rule while the sandbox runs, at a moment a scenario chooses;
* ``event-duplicate[:SOURCE]=RATE|first``: EventBridge delivers the event (the same event, the
  same ``id``) to a rule's targets twice: "in rare cases, the same rule can be triggered more
  than once for a single event" (EventBridge User Guide, "Troubleshooting Amazon EventBridge",
  "My rule ran more than once in response to one event");
* ``event-late[:SOURCE]=SECONDS[@RATE]``: the delivery to a rule's targets happens SECONDS of
  virtual time late (every matching event, or a RATE of them), as EventBridge's retries of a
  target make it late by up to 24 hours (EventBridge User Guide, "Troubleshooting", "My
  event's delivery to the target was delayed"; "How EventBridge retries delivering events");
* ``event-lost[:SOURCE]=RATE|first``: the event never reaches the bus (no rule and no archive
  sees it): AWS services send their events "best effort ... in some rare cases an event might
  not be delivered" (EventBridge User Guide, "Event delivery from AWS services"; ECR is a best
  effort service there);
* ``ddb-conflict[:TABLE]=RATE``: a real competing writer: just before a conditional write
  (PutItem/UpdateItem with a ConditionExpression) on an item that holds a numeric ``version``
  (the optimistic-concurrency counter: turnout's service STATE item), another writer rewrites
  the item with ``version`` + 1, so the write fails its condition
  (``ConditionalCheckFailedException``) as it does when a second turnout writer wins the race.

SERVICE is a botocore service name (``dynamodb``, ``stepfunctions``...), FUNCTION a function's
logical id in the template (``RenderFunction``) or its name, SOURCE an event's ``source``
(``aws.ecr``; ``ecr`` means ``aws.ecr``), TABLE a table's name; ``*`` or no target: everywhere.
RATE is a probability in [0, 1]; ``first`` hits each matching function's first call (or the
first event of a source that a rule receives) only.
The most specific rule wins (a named target over ``*``). Whether the n-th call of one
operation (or function) fails is drawn from ``(seed, operation, n)`` alone, so a run with the
same seed fails the same calls whatever the threads' interleaving.

What each fault answers (the codes botocore's retry handler classifies as throttling,
botocore/retries/standard.py ``ThrottledRetryableChecker._THROTTLED_ERROR_CODES`` and
botocore/data/_retry.json; each service's own error shape where its botocore model has one):
``_THROTTLE`` and ``_INTERNAL`` below, :func:`api_fault_answer`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "API_KINDS",
    "DDB_KINDS",
    "EVENT_KINDS",
    "KINDS",
    "LAMBDA_KINDS",
    "ApiFault",
    "FaultInjector",
    "FaultRule",
    "FaultSpec",
    "FaultSpecError",
    "InjectedFault",
    "api_fault_answer",
]

API_KINDS: Final = ("throttle", "5xx")
LAMBDA_KINDS: Final = ("lambda-error", "lambda-timeout", "lambda-crash")
EVENT_KINDS: Final = ("event-duplicate", "event-late", "event-lost")
DDB_KINDS: Final = ("ddb-conflict",)
KINDS: Final = (*API_KINDS, *LAMBDA_KINDS, *EVENT_KINDS, *DDB_KINDS)
#: Kinds whose value may be ``first``.
_FIRST_KINDS: Final = (*LAMBDA_KINDS, "event-duplicate", "event-lost")

#: Other names people use for a botocore service.
_SERVICE_ALIASES: Final = {"states": "stepfunctions", "sfn": "stepfunctions", "elb": "elbv2"}

#: Each service's throttling answer: its botocore model's own shape where there is one
#: (lambda TooManyRequestsException 429, sns ThrottledException "Throttled" 429), S3's
#: SlowDown 503 (S3 API Reference, "Error responses"); query-protocol services answer
#: "Throttling" and JSON ones "ThrottlingException", both HTTP 400 (AWS API common errors).
_THROTTLE: Final = {
    "lambda": ("TooManyRequestsException", 429),
    "sns": ("Throttled", 429),
    "s3": ("SlowDown", 503),
    "elbv2": ("Throttling", 400),
    "iam": ("Throttling", 400),
    "sts": ("Throttling", 400),
    "cloudformation": ("Throttling", 400),
    "ec2": ("RequestLimitExceeded", 503),
}
#: DynamoDB's item operations answer ProvisionedThroughputExceededException, its control
#: plane ThrottlingException (DynamoDB Developer Guide, "Error handling with DynamoDB").
_DYNAMODB_ITEM_OPS: Final = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
#: The internal error: AWS's common InternalFailure 500, or the service's modeled one.
_INTERNAL: Final = {
    "lambda": ("ServiceException", 500),
    "dynamodb": ("InternalServerError", 500),
    "s3": ("InternalError", 500),
}

#: Calls a state machine's role makes that are Step Functions' own work, not a task's: the
#: polling of a ``.sync`` CodeBuild job and its managed EventBridge rule (Step Functions
#: Developer Guide, "Run a Job (.sync)"): AWS retries those inside the service.
EXEMPT: Final = frozenset(
    {
        ("codebuild", "BatchGetBuilds"),
        ("events", "PutRule"),
        ("events", "PutTargets"),
        ("events", "DescribeRule"),
    }
)


class FaultSpecError(ValueError):
    """A fault spec that does not parse (the message names the bad part)."""


@dataclass(frozen=True, slots=True)
class FaultRule:
    kind: str
    target: str  # "*", a service name, a function, an event source or a table
    rate: float
    first: bool = False
    delay: float = 0.0  # event-late: the virtual seconds a delivery is late
    #: lambda-* windows: virtual seconds after the sandbox started (None: no end)
    start: float = 0.0
    until: float | None = None


@dataclass(frozen=True, slots=True)
class ApiFault:
    kind: str
    code: str
    status: int
    message: str


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """One injected fault: virtual time, kind, where it hit, who called, what it answered."""

    at: float
    kind: str
    where: str
    caller: str
    answer: str

    def line(self) -> str:
        return f"{self.kind} at {self.where} (caller {self.caller}): {self.answer}"


def _services() -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_available_services())


def _parse_late(item: str, value: str) -> tuple[float, float]:
    """``SECONDS[@RATE]`` of an event-late item: (delay, rate)."""
    seconds, _, rate_text = value.partition("@")
    try:
        delay = float(seconds)
    except ValueError:
        raise FaultSpecError(
            f"fault {item!r}: {seconds!r} is not a delay in seconds (SECONDS[@RATE])"
        ) from None
    if not 0.0 < delay <= 86400.0:  # EventBridge keeps retrying an event for 24 hours at most
        raise FaultSpecError(f"fault {item!r}: delay {seconds} is not in (0, 86400] seconds")
    rate, _ = _parse_value(item, "event-late", rate_text) if rate_text else (1.0, False)
    return delay, rate


def _parse_window(item: str, value: str) -> tuple[str, float, float | None]:
    """``RATE@FROM..[UNTIL]`` of a lambda-* item: (rate text, from, until)."""
    rate, _, window = value.partition("@")
    start_text, dots, until_text = window.partition("..")
    try:
        start = float(start_text)
        until = float(until_text) if until_text else None
    except ValueError:
        start, until = -1.0, None
    if not dots or start < 0 or (until is not None and until <= start):
        raise FaultSpecError(
            f"fault {item!r}: window {window!r} is not FROM..[UNTIL] virtual seconds "
            "(0 <= FROM < UNTIL)"
        )
    if rate == "first":
        raise FaultSpecError(f"fault {item!r}: a window takes a rate, not 'first'")
    return rate, start, until


def _event_source(target: str) -> str:
    """An event source as events carry it (``ecr`` -> ``aws.ecr``)."""
    return target if target == "*" or "." in target else f"aws.{target}"


def _parse_value(item: str, kind: str, value: str) -> tuple[float, bool]:
    if value == "first":
        if kind not in _FIRST_KINDS:
            raise FaultSpecError(
                f"fault {item!r}: 'first' is for lambda-* faults, event-duplicate and "
                "event-lost; give a rate"
            )
        return 1.0, True
    try:
        rate = float(value)
    except ValueError:
        raise FaultSpecError(
            f"fault {item!r}: {value!r} is not a rate in [0, 1] or 'first'"
        ) from None
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"fault {item!r}: rate {value} is not in [0, 1]")
    return rate, False


@dataclass(frozen=True)
class FaultSpec:
    rules: tuple[FaultRule, ...] = ()
    seed: int = 0
    text: str = ""

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """The spec ``text`` (None or empty: no faults); :class:`FaultSpecError` names the
        first bad item."""
        if not text or not text.strip():
            return cls()
        rules: list[FaultRule] = []
        seed = 0
        services: frozenset[str] | None = None
        for raw in text.split(","):
            item = raw.strip()
            if not item:
                raise FaultSpecError(f"fault spec {text!r}: an empty item (two commas?)")
            head, sep, value = item.partition("=")
            if not sep or not value.strip():
                raise FaultSpecError(f"fault {item!r}: expected KIND[:TARGET]=VALUE or seed=N")
            head, value = head.strip(), value.strip()
            if head == "seed":
                try:
                    seed = int(value)
                except ValueError:
                    raise FaultSpecError(
                        f"fault {item!r}: seed {value!r} is not an integer"
                    ) from None
                continue
            kind, _, target = head.partition(":")
            kind, target = kind.strip(), target.strip() or "*"
            if kind not in KINDS:
                raise FaultSpecError(
                    f"fault {item!r}: kind {kind!r} is not one of {', '.join(KINDS)}"
                )
            if kind in API_KINDS and target != "*":
                target = _SERVICE_ALIASES.get(target, target)
                services = services if services is not None else _services()
                if target not in services:
                    raise FaultSpecError(f"fault {item!r}: {target!r} is not an AWS service name")
            if kind in EVENT_KINDS:
                target = _event_source(target)
            if kind == "event-late":
                delay, rate = _parse_late(item, value)
                rules.append(FaultRule(kind, target, rate, delay=delay))
                continue
            start, until = 0.0, None
            if kind in LAMBDA_KINDS and "@" in value:
                value, start, until = _parse_window(item, value)
            rate, first = _parse_value(item, kind, value)
            rules.append(FaultRule(kind, target, rate, first, start=start, until=until))
        return cls(tuple(rules), seed, text.strip())

    def __bool__(self) -> bool:
        return bool(self.rules)

    def lambda_targets(self) -> set[str]:
        return {r.target for r in self.rules if r.kind in LAMBDA_KINDS and r.target != "*"}


def api_fault_answer(kind: str, service: str, operation: str) -> tuple[str, int]:
    """(error code, HTTP status) ``service`` answers for a ``kind`` fault on ``operation``."""
    if kind == "5xx":
        return _INTERNAL.get(service, ("InternalFailure", 500))
    if service == "dynamodb":
        if operation in _DYNAMODB_ITEM_OPS:
            return "ProvisionedThroughputExceededException", 400
        return "ThrottlingException", 400
    return _THROTTLE.get(service, ("ThrottlingException", 400))


_MESSAGES: Final = {
    "ThrottlingException": "Rate exceeded",
    "Throttling": "Rate exceeded",
    "TooManyRequestsException": "Rate Exceeded.",
    "ProvisionedThroughputExceededException": (
        "The level of configured provisioned throughput for the table was exceeded. Consider "
        "increasing your provisioning level with the UpdateTable API."
    ),
    "SlowDown": "Please reduce your request rate.",
}


@dataclass
class FaultInjector:
    """Decides, per call, whether a fault of the spec hits it, and keeps what it injected."""

    spec: FaultSpec
    log: Callable[[str], None] = field(default=lambda message: None)
    now: Callable[[], float] = field(default=lambda: 0.0)
    injected: list[InjectedFault] = field(default_factory=list)
    _calls: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: the virtual time the windows count from (the sandbox's start)
    origin: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.origin = self.now()

    def elapsed(self) -> float:
        """Virtual seconds since the sandbox started (what a window counts)."""
        return self.now() - self.origin

    def add(self, text: str) -> None:
        """Add the rules of ``text`` (the grammar above) to the running spec: a fault that
        starts at a moment the caller chose (a window from :meth:`elapsed` on)."""
        more = FaultSpec.parse(text)
        joined = ",".join(t for t in (self.spec.text, more.text) if t)
        self.spec = FaultSpec(self.spec.rules + more.rules, self.spec.seed, joined)

    def _in_window(self, rule: FaultRule) -> bool:
        at = self.elapsed()
        return at >= rule.start and (rule.until is None or at < rule.until)

    def _count(self, key: str) -> int:
        with self._lock:
            n = self._calls.get(key, 0)
            self._calls[key] = n + 1
            return n

    def _hits(self, rule: FaultRule, key: str, n: int) -> bool:
        if rule.first:
            return n == 0
        if rule.rate <= 0.0:
            return False
        if rule.rate >= 1.0:
            return True
        draw = random.Random(f"{self.spec.seed}:{rule.kind}:{key}:{n}")  # noqa: S311 - not crypto
        return draw.random() < rule.rate

    def _record(self, kind: str, where: str, caller: str, answer: str) -> None:
        fault = InjectedFault(self.now(), kind, where, caller, answer)
        with self._lock:
            self.injected.append(fault)
        self.log(f"injected {fault.line()}")

    def _matching(self, kinds: tuple[str, ...], names: tuple[str, ...]) -> list[FaultRule]:
        named = [r for r in self.spec.rules if r.kind in kinds and r.target in names]
        anywhere = [r for r in self.spec.rules if r.kind in kinds and r.target == "*"]
        return named + anywhere

    def api_fault(self, service: str, operation: str, caller: str) -> ApiFault | None:
        """The fault ``caller``'s call of ``service.operation`` gets, if any (recorded)."""
        if not self.spec or (service, operation) in EXEMPT:
            return None
        rules = self._matching(API_KINDS, (service,))
        if not rules:
            return None
        key = f"{service}.{operation}"
        n = self._count(key)
        for kind in API_KINDS:  # one rule per kind: the most specific
            rule = next((r for r in rules if r.kind == kind), None)
            if rule is not None and self._hits(rule, key, n):
                code, status = api_fault_answer(kind, service, operation)
                message = _MESSAGES.get(code, "We encountered an internal error. Please try again.")
                self._record(kind, key, caller, f"{code} (HTTP {status})")
                return ApiFault(kind, code, status, message)
        return None

    def lambda_fault(self, function: str, logical: str = "") -> str | None:
        """The kind of fault this invocation of ``function`` gets, if any (recorded)."""
        if not self.spec:
            return None
        names = tuple(n for n in (logical, function) if n)
        rules = self._matching(LAMBDA_KINDS, names)
        if not rules:
            return None
        n = self._count(f"lambda:{function}")
        for rule in rules:  # the most specific first, then in the spec's order
            if self._in_window(rule) and self._hits(rule, function, n):
                self._record(rule.kind, f"function {logical or function}", "lambda", rule.kind)
                return rule.kind
        return None

    # -- EventBridge: lost, late and repeated deliveries ------------------------------------
    def _event_rule(self, kind: str, source: str) -> FaultRule | None:
        return next(iter(self._matching((kind,), (source,))), None)

    def event_lost(self, source: str, event_id: str, detail_type: str) -> bool:
        """True when this event, which a rule would receive, never reaches the bus (recorded)."""
        rule = self._event_rule("event-lost", source) if self.spec else None
        if rule is None:
            return False
        key = f"event-lost:{source}"
        if not self._hits(rule, key, self._count(key)):
            return False
        where = f"event {event_id} ({source} {detail_type})"
        self._record("event-lost", where, source, "never delivered to the bus (best effort)")
        return True

    def event_delivery(
        self, source: str, event_id: str, detail_type: str, rule_name: str
    ) -> tuple[float, bool]:
        """(virtual seconds late, delivered twice) for the delivery of an event to the
        targets of ``rule_name`` (each fault recorded)."""
        if not self.spec:
            return 0.0, False
        where = f"event {event_id} ({source} {detail_type}) to rule {rule_name}"
        delay = 0.0
        late = self._event_rule("event-late", source)
        key = f"event-late:{source}"
        if late is not None and self._hits(late, key, self._count(key)):
            delay = late.delay
            self._record("event-late", where, source, f"delivered {delay:g} s late")
        twice = False
        duplicate = self._event_rule("event-duplicate", source)
        key = f"event-duplicate:{source}"
        if duplicate is not None and self._hits(duplicate, key, self._count(key)):
            twice = True
            self._record("event-duplicate", where, source, "delivered twice (the same id)")
        return delay, twice

    # -- DynamoDB: a competing writer -------------------------------------------------------
    def ddb_conflict(self, table: str, operation: str, caller: str) -> bool:
        """True when a competing writer should win the race to this conditional write (the
        caller records the write it made with :meth:`record_conflict`)."""
        rules = self._matching(DDB_KINDS, (table,)) if self.spec else []
        if not rules:
            return False
        key = f"ddb-conflict:dynamodb.{operation}"
        return self._hits(rules[0], key, self._count(key))

    def record_conflict(self, where: str, caller: str, answer: str) -> None:
        self._record("ddb-conflict", where, caller, answer)

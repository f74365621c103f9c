"""IAM enforcement in the sandbox: each actor calls with credentials of its own role, and every
call is authorized as AWS authorizes it (the engine: :mod:`turnout_sandbox.iam`).

moto evaluates no IAM of its own here (its ``INITIAL_NO_AUTH_ACTION_COUNT`` checks access keys'
actions against ``*`` only, knows no tag-on-create and few conditions), so a stack missing a
permission deployed and ran offline and failed in AWS. With enforcement on:

* every principal of the stack gets an access key of its own: each Lambda function runs with
  its execution role's key in its environment (as Lambda hands a function its role's
  credentials), each state machine's interpreter thread calls with its role's key (Step
  Functions calls with the state machine's role);
* every request that reaches moto signed with one of those keys is authorized first (the
  patch of moto's ``ActionAuthenticatorMixin._authenticate_and_authorize_normal_action``,
  which ``BaseResponse.call_action`` runs before any dispatch), and so is every
  ``lambda:Invoke`` the sandbox answers in process (:func:`authorize_invoke`);
* a denied call fails as AWS fails it: the service's own AccessDenied code and IAM's
  wording, ``User: arn:aws:sts::<account>:assumed-role/<role>/<session> is not authorized to
  perform: <action> on resource: <arn> because no identity-based policy allows the <action>
  action``.

Requests signed with any other key (the sandbox's own set-up, a user's CLI) are the account's
administrator and are not evaluated. ``--iam warn`` reports each denial in the sandbox log and
lets the call go on; ``--iam off`` evaluates nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from turnout_sandbox.discrete_clock import ActorThread
from turnout_sandbox.iam.actions import ApiCall, MissingFactError, UnmappedOperationError
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam.principals import Mode, Principal, RoleDocuments, enforce
from turnout_sandbox.patches import AttributePatch, Internal, replaces
from turnout_sandbox.requestcheck import request_params

__all__ = [
    "INTERNALS",
    "PATCHES",
    "Credentials",
    "Enforcement",
    "activate",
    "authorize_as",
    "authorize_invoke",
    "current",
    "deactivate",
    "execution_credentials",
]


@dataclass(frozen=True, slots=True)
class Credentials:
    """A role session's temporary credentials (the shape STS AssumeRole returns)."""

    access_key: str
    secret_key: str
    session_token: str

    def environment(self) -> dict[str, str]:
        """As Lambda puts them in a function's environment."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def _key_for(role_arn: str, session: str) -> Credentials:
    """Stable credentials for a role session: an ``ASIA`` key id of 20 characters (the form
    AWS gives temporary credentials, and the one moto's signature parser reads)."""
    digest = hashlib.sha256(f"{role_arn}/{session}".encode()).hexdigest().upper()
    return Credentials("ASIA" + digest[:16], digest[16:56], "sandbox-" + digest[:32])


FactsOf = Callable[[ApiCall], Mapping[str, str]]

#: Service role sessions kept at most (one per build, deployment...: a bound for a long serve).
_MAX_SESSIONS: Final = 1024


@dataclass
class Enforcement:
    """The sandbox's IAM switch, its principals (by access key) and what it decided."""

    mode: Mode
    log: Callable[[str], None]
    facts_of: FactsOf = field(default=lambda call: {})
    _principals: dict[str, Principal] = field(default_factory=dict)
    _roles: dict[str, Credentials] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    denials: list[str] = field(default_factory=list)
    unmapped: set[str] = field(default_factory=set)
    #: How many calls were evaluated (a benchmark and the tests read it).
    evaluated: int = 0
    #: Keep every evaluated call (the least-privilege analysis replays them): on for
    #: scenarios, off for a long-running ``sandbox serve``, where the list would only grow.
    record_calls: bool = False
    calls: list[tuple[Principal, ApiCall]] = field(default_factory=list)
    #: Each role's policy documents as the sandbox's IAM held them.
    documents: dict[str, RoleDocuments] = field(default_factory=dict)
    #: Reads a service role's documents (the sandbox: through its IAM) for :meth:`check_as`;
    #: None evaluates no service role.
    role_documents: Callable[[str], RoleDocuments] | None = None
    _sessions: dict[tuple[str, str], Principal] = field(default_factory=dict)
    _service_roles: set[str] = field(default_factory=set)
    _unreadable: set[str] = field(default_factory=set)

    def register(self, principal: Principal) -> Credentials:
        """The principal's credentials (the same for the same role session)."""
        credentials = _key_for(principal.role_arn, principal.session_name)
        with self._lock:
            self._principals[credentials.access_key] = principal
            self._roles.setdefault(principal.role_arn, credentials)
        return credentials

    def credentials_of_role(self, role_arn: str) -> Credentials | None:
        with self._lock:
            return self._roles.get(role_arn)

    def principal_of(self, access_key: str) -> Principal | None:
        with self._lock:
            return self._principals.get(access_key)

    def check(self, access_key: str, call: ApiCall) -> None:
        """Authorize ``call`` made with ``access_key``: raises the service's
        :class:`AccessDeniedError` when enforcing and IAM denies it."""
        principal = self.principal_of(access_key)
        if principal is None or self.mode is Mode.OFF:
            return
        self._evaluate(principal, call)

    def check_as(self, role_arn: str, session: str, call: ApiCall) -> None:
        """Authorize ``call`` that a service makes as a session of ``role_arn`` (CodeBuild
        with the project's service role, CodeDeploy with the deployment group's, EventBridge
        with a target's): raises the service's :class:`AccessDeniedError` when enforcing and
        IAM denies it. The role's documents are read once (``role_documents``; again after
        :meth:`forget_roles`); a role the sandbox cannot read is not evaluated, and named in
        the log once."""
        if self.mode is Mode.OFF:
            return
        principal = self._session(role_arn, session)
        if principal is not None:
            self._evaluate(principal, call)

    def forget_roles(self) -> None:
        """Read the service roles' documents again at their next use (the stack changed)."""
        with self._lock:
            self._sessions.clear()
            for role in self._service_roles:
                self.documents.pop(role, None)
            self._service_roles.clear()
            self._unreadable.clear()

    def _session(self, role_arn: str, session: str) -> Principal | None:
        with self._lock:
            found = self._sessions.get((role_arn, session))
            documents = self.documents.get(role_arn)
        if found is not None:
            return found
        if documents is None:
            if self.role_documents is None or role_arn in self._unreadable:
                return None
            try:
                documents = self.role_documents(role_arn)
            except Exception as exc:  # no such role (or unreadable): not evaluated, named
                with self._lock:
                    self._unreadable.add(role_arn)
                self.log(f"iam: the role {role_arn} is not evaluated ({exc})")
                return None
        principal = documents.principal(role_arn, session)
        with self._lock:
            if role_arn not in self.documents:
                self.documents[role_arn] = documents
                self._service_roles.add(role_arn)
            if len(self._sessions) >= _MAX_SESSIONS:  # a long `sandbox serve`: bounded
                self._sessions.clear()
            self._sessions[(role_arn, session)] = principal
        return principal

    def _evaluate(self, principal: Principal, call: ApiCall) -> None:
        facts = dict(call.facts)
        try:
            facts.update(self.facts_of(call))
        except Exception as exc:  # a fact the sandbox cannot look up: evaluated without it
            self.log(f"iam: no facts for {call.service}.{call.operation} ({exc})")
        call = ApiCall(
            call.service,
            call.operation,
            call.params,
            call.region,
            call.account,
            call.partition,
            facts,
        )
        try:
            with self._lock:
                self.evaluated += 1
                if self.record_calls:
                    self.calls.append((principal, call))
            enforce(self.mode, principal, call, warn=self._warn)
        except AccessDeniedError as denied:
            self._record(f"{principal.session_arn}: {denied.message}")
            self.log(f"iam: denied {call.service}.{call.operation}: {denied.message}")
            raise
        except (UnmappedOperationError, MissingFactError) as exc:
            # Not a permission decision: the engine cannot map this call. It is allowed and
            # named, so a gap in the map shows in the log instead of failing the stack.
            name = f"{call.service}.{call.operation}"
            with self._lock:
                first = name not in self.unmapped
                self.unmapped.add(name)
            if first:
                self.log(f"iam: not evaluated: {exc}")

    def _warn(self, message: str) -> None:
        self._record(message)
        self.log(f"iam (warn): {message}")

    def _record(self, message: str) -> None:
        with self._lock:
            self.denials.append(message)


_ACTIVE: list[Enforcement] = []


def activate(enforcement: Enforcement) -> None:
    _ACTIVE[:] = [enforcement]


def deactivate() -> None:
    _ACTIVE.clear()


def current() -> Enforcement | None:
    return _ACTIVE[0] if _ACTIVE else None


# -- requests that reach moto ----------------------------------------------------------------
def _moto_error(denied: AccessDeniedError, response: Any) -> Exception:
    """The denial as moto serializes an error for the request's protocol (JSON services:
    ``{"__type", "message"}``; query / REST-XML: ``<Error><Code>``)."""
    from moto.core.exceptions import JsonRESTError, _RESTError

    protocol = ""
    try:
        from moto.core.utils import get_service_model

        protocol = str(get_service_model(response.boto3_service_name).metadata["protocol"])
    except Exception:  # an unknown model: JSON is moto's default error shape
        protocol = "json"
    if protocol in {"query", "ec2", "rest-xml"}:
        error: Exception = _RESTError(denied.code, denied.message)
    else:
        error = JsonRESTError(denied.code, denied.message)
    error.code = denied.status  # type: ignore[attr-defined]
    return error


@replaces(
    "moto.core.authorization:ActionAuthenticatorMixin",
    "_authenticate_and_authorize_normal_action",
    name="iam: authorize every request signed by a principal of the stack",
    why="AWS authorizes each call against the caller's identity policies (IAM User Guide, "
    "'Policy evaluation logic'); moto checks none of it",
)
def _authorize_request(self: Any, resource: str = "*") -> None:
    enforcement = current()
    if enforcement is not None and enforcement.mode is not Mode.OFF:
        key = self.get_access_key()
        if enforcement.principal_of(key) is not None:
            from moto.core.utils import get_service_model

            service = self.boto3_service_name
            operation_model = get_service_model(service).operation_model(self._get_action())
            call = ApiCall(
                service,
                operation_model.name,
                request_params(self, operation_model),
                self.region,
                self.current_account,
                self.partition,
            )
            try:
                enforcement.check(key, call)
            except AccessDeniedError as denied:
                raise _moto_error(denied, self) from None
    _authorize_request.original(self, resource)


# -- AWS managed policies are attachable ------------------------------------------------------
@replaces(
    "moto.iam.models:IAMBackend",
    "attach_role_policy",
    name="iam: an AWS managed policy is attachable without loading them all",
    why="the demo account gives its CodeDeploy service role AWSCodeDeployRoleForECS, as the "
    "ECS Developer Guide's 'Amazon ECS CodeDeploy IAM Role' does; moto refuses to attach an "
    "AWS managed policy it did not load",
)
def _attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
    """moto's AttachRolePolicy, with the AWS managed policy loaded from moto's own copy when
    moto has not loaded it (moto loads none unless MOTO_IAM_LOAD_MANAGED_POLICIES is set,
    over a thousand of them; in AWS every one is attachable: IAM User Guide, "AWS managed
    policies"). Only the policy attached is loaded."""
    from turnout_sandbox.iam.managed import (
        UnknownManagedPolicyError,
        is_aws_managed,
        moto_entry,
    )

    if is_aws_managed(policy_arn) and policy_arn not in self.managed_policies:
        try:
            name, entry = moto_entry(policy_arn)
        except UnknownManagedPolicyError:
            pass  # moto answers NoSuchEntity, as IAM does for a policy that does not exist
        else:
            from moto.iam.models import AWSManagedPolicy

            policy = AWSManagedPolicy.from_data(name, self.account_id, self.region_name, entry)
            self.managed_policies[policy.arn] = policy
    _attach_role_policy.original(self, policy_arn, role_name)


# -- the interpreter: each execution calls with its state machine's role --------------------
_EXECUTION: Final = threading.local()


def execution_credentials() -> Credentials | None:
    """The credentials of the state machine whose execution runs on this thread (None
    outside one, or when its role has no principal)."""
    enforcement = current()
    role = getattr(_EXECUTION, "role_arn", None)
    if enforcement is None or role is None:
        return None
    return enforcement.credentials_of_role(role)


@replaces(
    "moto.stepfunctions.parser.backend.execution_worker:ExecutionWorker",
    "_execution_logic",
    name="iam: an execution's thread knows its state machine's role",
    why="Step Functions calls a task's service with the state machine's role (Step Functions "
    "Developer Guide, 'How Step Functions works with IAM')",
)
def _execution_logic(self: Any) -> Any:
    _EXECUTION.role_arn = str(self._evaluation_details.aws_execution_details.role_arn)
    try:
        return _execution_logic.original(self)
    finally:
        _EXECUTION.role_arn = None


class _RoleThread(ActorThread):
    """A thread of moto's interpreter that carries on the execution's role: the interpreter
    runs the program, each state and each callback wait on threads of their own. Each is an
    actor of the discrete clock (time waits for it; its ``join`` is an idle wait)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._role_arn = getattr(_EXECUTION, "role_arn", None)

    def run(self) -> None:
        _EXECUTION.role_arn = self._role_arn
        super().run()


class _ThreadingWithRoles:
    """``threading`` as the interpreter's modules see it, with :class:`_RoleThread`."""

    Thread = _RoleThread

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


_INTERPRETER: Final = "moto.stepfunctions.parser.asl.component"
#: Where the interpreter starts its threads: (what runs there, the module, the name it
#: starts them through, what replaces it, why it matters).
_INTERPRETER_THREADS: Final = (
    (
        "state threads",
        "state.exec.execute_state",
        "Thread",
        _RoleThread,
        "each state runs on a thread of its own; its calls are the state machine's",
    ),
    (
        "program thread",
        "program.program",
        "threading",
        _ThreadingWithRoles(),
        "the program runs on a thread of its own; its calls are the state machine's",
    ),
    (
        "callback threads",
        "state.exec.state_task.service.state_task_service_callback",
        "threading",
        _ThreadingWithRoles(),
        "a .waitForTaskToken task waits on a thread of its own",
    ),
)
_THREAD_PATCHES: Final = tuple(
    AttributePatch(
        name=f"iam: the execution's role on the interpreter's {threads}",
        owner=f"{_INTERPRETER}.{module}",
        attribute=attribute,
        new=new,
        why=why,
    )
    for threads, module, attribute, new, why in _INTERPRETER_THREADS
)


# -- lambda:Invoke answered in process --------------------------------------------------------
def authorize_invoke(request_signer: Any, function_name: str, region: str) -> None:
    """``lambda:InvokeFunction`` for an Invoke the sandbox answers in process (it never
    reaches moto): raises the AccessDenied error a denied Invoke gets."""
    enforcement = current()
    if enforcement is None or request_signer is None:
        return
    credentials = getattr(request_signer, "_credentials", None)
    key = getattr(credentials, "access_key", None)
    if not key:
        return
    principal = enforcement.principal_of(str(key))
    if principal is None:
        return
    call = ApiCall(
        "lambda",
        "Invoke",
        {"FunctionName": function_name},
        region,
        principal.account,
        principal.partition,
    )
    enforcement.check(str(key), call)


# -- calls an emulated service makes as a role it was given -----------------------------------
def authorize_as(role_arn: str | None, session: str, call: ApiCall) -> None:
    """Authorize a call an emulator makes on a service's behalf, as AWS does: as a session
    of the role the resource was given (a CodeBuild project's service role, a CodeDeploy
    deployment group's, an EventBridge target's RoleArn). Raises :class:`AccessDeniedError`
    when enforcing and IAM denies it; the emulator turns it into the service's own outcome
    (a failed build phase, a failed deployment, a failed delivery). No enforcement active,
    ``--iam off`` or no role: nothing is evaluated."""
    enforcement = current()
    if enforcement is None or not role_arn:
        return
    enforcement.check_as(role_arn, session, call)


PATCHES: Final = (_authorize_request, _attach_role_policy, _execution_logic, *_THREAD_PATCHES)
INTERNALS: Final = (
    Internal(
        "moto.iam.models:AWSManagedPolicy.from_data",
        "an AWS managed policy is attached from moto's own copy of it (_attach_role_policy)",
    ),
    Internal(
        "moto.core.exceptions:_RESTError",
        "the XML error body moto serializes for query and REST-XML services (its public "
        "JsonRESTError is the JSON one)",
    ),
)

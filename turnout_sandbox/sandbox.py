"""The embedded AWS: moto with its ASL interpreter on, turnout's emulators installed, the
real template.yaml deployed into it, Lambdas run in-process, time on a virtual clock.

``Sandbox.start()`` applies every patch of the registry (:mod:`turnout_sandbox.patches`:
the emulators' and the process-level ones declared here and in :mod:`.lambdas`) after the
canary found every target; ``Sandbox.stop()`` undoes them and restores the process
(``os.environ``, botocore's handlers, the core clock seam, the runtime, the client cache,
moto's mock), so another sandbox can start in the same process.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from turnout import clock as core_clock
from turnout_sandbox import (
    action_lookup,
    cfn,
    expression_cache,
    iam_enforcement,
    model_cache,
    moto_fixtures,
    provided_resources,
    requestcheck,
    serializer_cache,
    server_guard,
)
from turnout_sandbox.clients import cached_client, clear_clients
from turnout_sandbox.ddb_conflict import compete
from turnout_sandbox.emulators import catalog
from turnout_sandbox.faults import FaultInjector, FaultSpec, FaultSpecError
from turnout_sandbox.iam.principals import Mode, RoleDocuments
from turnout_sandbox.lambdas import (
    LAYERED_ENVIRON,
    LOG_SINK,
    FunctionSpec,
    LambdaRunner,
    invoke_async,
    invoke_interceptor,
)
from turnout_sandbox.patches import (
    REGISTRY,
    AttributePatch,
    CallbackPatch,
    Internal,
    Patch,
    PatchError,
    PatchRegistry,
    resolve,
)
from turnout_sandbox.runtime import (
    CLOCKS,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Runtime,
    make_clock,
    set_runtime,
)

__all__ = [
    "PROCESS_INTERNALS",
    "PROCESS_PATCHES",
    "REPO_ROOT",
    "SANDBOX_LAMBDA_ENV",
    "Sandbox",
    "Stack",
    "active",
    "cached_client",
    "register_patches",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Quiet, fast, offline Lambdas in the sandbox.
SANDBOX_LAMBDA_ENV = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_DEV": "false",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

_ACTIVE: Sandbox | None = None

# -- the interpreter's client cache (a patch of moto's ASL interpreter) ----------------------
_BOTO_CLIENT: Final = "moto.stepfunctions.parser.asl.utils.boto_client"
_UPSTREAM_CLIENT_FOR: list[Any] = []  # moto's boto_client_for, once seen


def _boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's ASL interpreter builds a new boto3 client for every task; reuse them."""
    from moto.core.models import botocore_stubber

    if not botocore_stubber.enabled:  # server mode without the in-process mock
        return _UPSTREAM_CLIENT_FOR[0](
            region=region, service=service, state_credentials=state_credentials
        )
    from turnout_sandbox.iam_enforcement import execution_credentials

    found = execution_credentials()  # the state machine's role (IAM enforcement)
    keys = (found.access_key, found.secret_key, found.session_token) if found else None
    return cached_client(service, region, credentials=keys)


def _rebind_client_for(old: Any, new: Any) -> None:
    """Every loaded module that imported ``boto_client_for`` by name (``from ... import``)
    holds its own reference: rebind each one that holds ``old``."""
    for module in list(sys.modules.values()):
        if isinstance(module, ModuleType) and module.__dict__.get("boto_client_for") is old:
            module.boto_client_for = new  # type: ignore[attr-defined]


def _cache_interpreter_clients() -> None:
    upstream = resolve(f"{_BOTO_CLIENT}:boto_client_for")
    if not _UPSTREAM_CLIENT_FOR:
        _UPSTREAM_CLIENT_FOR.append(upstream)
    _rebind_client_for(upstream, _boto_client_for)


def _uncache_interpreter_clients() -> None:
    _rebind_client_for(_boto_client_for, _UPSTREAM_CLIENT_FOR[0])


INTERPRETER_CLIENT_CACHE: Final = CallbackPatch(
    name="moto.stepfunctions.interpreter-client-cache",
    target=f"{_BOTO_CLIENT}:boto_client_for",
    why="moto's ASL interpreter builds a boto3 client per task (~50-100 ms each): reuse them",
    apply_fn=_cache_interpreter_clients,
    undo_fn=_uncache_interpreter_clients,
    applied_fn=lambda: resolve(f"{_BOTO_CLIENT}:boto_client_for") is _boto_client_for,
    check_fn=lambda: None if callable(resolve(f"{_BOTO_CLIENT}:boto_client_for")) else "gone",
)


class _BackoffOnClock:
    """``time`` as botocore's endpoint sees it: the sleep between a call's retries is a wait
    on the virtual clock, like every other wait in the sandbox (botocore/endpoint.py sleeps
    the retry handler's delay; standard mode: up to 20 s, botocore/retries/standard.py)."""

    def sleep(self, seconds: float) -> None:
        sandbox = _ACTIVE
        if sandbox is None:
            time.sleep(seconds)
        else:
            sandbox.runtime.clock.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


RETRY_BACKOFF_ON_CLOCK: Final = AttributePatch(
    name="botocore.retry-backoff-on-the-virtual-clock",
    owner="botocore.endpoint",
    attribute="time",
    new=_BackoffOnClock(),
    why="a throttled call's retry backoff passes in virtual time, not as wall time that the "
    "virtual clock would multiply into minutes",
)


def _active_runner() -> LambdaRunner | None:
    sandbox = _ACTIVE
    return sandbox.runner if sandbox is not None else None


#: The sandbox's own patches of the process, botocore and moto (the emulators declare theirs).
PROCESS_PATCHES: Final[tuple[Patch, ...]] = (
    *model_cache.PATCHES,
    *moto_fixtures.PATCHES,
    *serializer_cache.PATCHES,
    *expression_cache.PATCHES,
    *action_lookup.PATCHES,
    LAYERED_ENVIRON,
    LOG_SINK,
    invoke_interceptor(_active_runner),
    INTERPRETER_CLIENT_CACHE,
    RETRY_BACKOFF_ON_CLOCK,
    *requestcheck.PATCHES,
    *iam_enforcement.PATCHES,
    *server_guard.PATCHES,
)


#: What the sandbox itself reads of moto (the canary checks these too).
PROCESS_INTERNALS: Final = (
    *iam_enforcement.INTERNALS,
    Internal(
        "moto.core.models:botocore_stubber.enabled",
        "the interpreter client cache hands out moto's own clients when the mock is off "
        "(server mode)",
    ),
    Internal(
        "moto.core.models:MockAWS",
        "Sandbox.start() runs moto's mock_aws with the ASL interpreter on (stop() ends it)",
    ),
)


def register_patches(registry: PatchRegistry = REGISTRY) -> None:
    """Declare every patch the sandbox applies in ``registry`` (idempotent): the process-level
    ones, then each emulator's."""
    registry.extend(PROCESS_PATCHES, PROCESS_INTERNALS)
    catalog.register_all(registry)


#: What ``start()`` sets in ``os.environ`` besides its region (``stop()`` restores all of it).
_FAKE_CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _restore_environ(snapshot: dict[str, str]) -> None:
    """Make ``os.environ`` equal ``snapshot`` again (through os.environ, so putenv follows)."""
    for key in [k for k in os.environ if k not in snapshot]:
        del os.environ[key]
    for key, value in snapshot.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


@dataclass
class Stack:
    name: str
    outputs: dict[str, str]
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)


class Sandbox:
    def __init__(
        self,
        *,
        speed: float | None = None,
        clock: str = "scaled",
        region: str = DEFAULT_REGION,
        root: Path = REPO_ROOT,
        lambda_log_level: str = "WARNING",
        iam: str = "enforce",
        faults: str | FaultSpec | None = None,
    ) -> None:
        self.region = region
        try:
            spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        except FaultSpecError as exc:
            raise cfn.SandboxError(f"--faults: {exc}") from None
        try:
            self.iam_mode = Mode(iam)
        except ValueError:
            choices = ", ".join(m.value for m in Mode)
            raise cfn.SandboxError(f"--iam {iam!r}: choose one of {choices}") from None
        self.account = DEFAULT_ACCOUNT
        self.root = root
        if clock not in CLOCKS:
            raise cfn.SandboxError(f"--clock {clock!r}: choose one of {', '.join(CLOCKS)}")
        if speed is None:  # scaled: 600x; discrete: no cap, time jumps
            speed = math.inf if clock == "discrete" else 600.0
        self.runtime = Runtime(
            clock=make_clock(clock, speed, log=lambda message: self.runtime.log("clock", message)),
            region=region,
            account=self.account,
        )
        self.runner = LambdaRunner({**SANDBOX_LAMBDA_ENV, "POWERTOOLS_LOG_LEVEL": lambda_log_level})
        self.stacks: dict[str, Stack] = {}
        self._partition_keys: dict[str, str] = {}  # table name -> its HASH key (IAM facts)
        self._mock: Any = None
        self._lock = threading.Lock()
        self._environ_before: dict[str, str] | None = None
        self.iam = iam_enforcement.Enforcement(
            self.iam_mode,
            log=lambda message: self.runtime.log("iam", message),
            facts_of=self._iam_facts,
            role_documents=self._role_documents,
        )
        #: fault injection (``faults``): what it injected is in ``self.faults.injected``
        self.faults = FaultInjector(
            spec,
            log=lambda message: self.runtime.log("faults", message),
            now=self.runtime.clock.now,
        )
        self.runner.faults = self.faults
        self.runtime.faults = self.faults
        self.runner.caller_of = self._caller_of

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Patch (every target checked first), mock AWS, install the runtime. A failure
        part-way undoes what was done, so the process is as before."""
        if _ACTIVE is not None:
            raise cfn.SandboxError("a sandbox is already running in this process")
        if LAYERED_ENVIRON.is_applied():
            raise PatchError("os.environ is still layered by an earlier sandbox")
        self._environ_before = dict(os.environ)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        global _ACTIVE
        os.environ.update({**_FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region})
        os.environ.pop("AWS_PROFILE", None)
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        os.environ.pop("AWS_ENDPOINT_URL", None)
        register_patches(REGISTRY)
        REGISTRY.apply()  # runs the canary first: a moved target stops here, named
        from moto import mock_aws

        self._mock = mock_aws(
            config={
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
                # moto Batch runs `docker run` with the job's privileges and host mounts
                # (security-review row 9); the server refuses Batch too (server_guard)
                "batch": {"use_docker": False},
            }
        )
        self._mock.start()
        _ACTIVE = self
        iam_enforcement.activate(self.iam)
        set_runtime(self.runtime)
        self.runtime.invoke_lambda = self.runner.invoke  # type: ignore[assignment]
        from turnout_sandbox.sam_deploy import ChangeSetDeployer

        self.runtime.template_deployer = ChangeSetDeployer(self)
        self.runtime.invoke_lambda_async = partial(invoke_async, self.runner)
        requestcheck.FAULT_HOOK[:] = [self._api_fault]
        core_clock.set_clock(self.runtime.clock.now)
        catalog.reset_all()

    def stop(self) -> None:
        """Stop background work, then undo everything ``start()`` did to the process."""
        global _ACTIVE
        if _ACTIVE is not None and _ACTIVE is not self:
            self.runtime.clock.stop()
            return  # another sandbox runs: nothing of the process is this one's
        if _ACTIVE is self:
            try:
                self._stop_executions()
            except Exception as exc:  # the process must be restored all the same
                self.runtime.log("sandbox", f"could not stop the running executions: {exc!r}")
            catalog.reset_all()
        self.runtime.clock.stop()
        deployer, self.runtime.template_deployer = self.runtime.template_deployer, None
        if deployer is not None:
            deployer.close()  # type: ignore[attr-defined]
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        core_clock.set_clock(None)
        requestcheck.FAULT_HOOK.clear()
        set_runtime(None)
        iam_enforcement.deactivate()
        clear_clients()
        _ACTIVE = None
        REGISTRY.undo()
        snapshot = getattr(self, "_environ_before", None)
        if snapshot is not None:
            _restore_environ(snapshot)
            self._environ_before = None
        left = REGISTRY.verify(expect_applied=False)
        if left:
            raise PatchError("Sandbox.stop() left patches applied: " + "; ".join(left))

    def _stop_executions(self) -> None:
        """StopExecution on every RUNNING execution: moto runs each on a thread of its own,
        which would outlive this sandbox and call whatever runs next from its next state
        (another sandbox's services, or a moto server on MOTO_PORT once the mock is off).
        A stopped execution's Wait and Retry wake at once and its thread ends."""
        sfn = self.client("stepfunctions")
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                running = sfn.get_paginator("list_executions").paginate(
                    stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
                )
                for listed in running:
                    for execution in listed["executions"]:
                        with contextlib.suppress(sfn.exceptions.ExecutionDoesNotExist):
                            sfn.stop_execution(
                                executionArn=execution["executionArn"],
                                error="Sandbox.Stopped",
                                cause="the sandbox stopped",
                            )

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        return cached_client(service, self.region)

    # -- fault injection: only on calls the stack's own principals make -----------------------
    def _caller_of(self, access_key: str) -> str | None:
        principal = self.iam.principal_of(access_key)
        return principal.session_arn if principal is not None else None

    def _api_fault(self, response: Any) -> tuple[str, str, int] | None:
        """The fault a request moto is about to answer gets (requestcheck's hook): None for
        the sandbox's own calls and a user's (not a principal of the stack)."""
        if not self.faults.spec:
            return None
        try:
            caller = self._caller_of(response.get_access_key())
            if caller is None:
                return None
            from moto.core.utils import get_service_model

            service = response.boto3_service_name
            operation = get_service_model(service).operation_model(response._get_action()).name
        except Exception:  # an unsigned or unmodelled request: moto answers it
            return None
        fault = self.faults.api_fault(service, operation, caller)
        if fault is None and service == "dynamodb":
            # ddb-conflict: a competing writer saves first, and moto answers the write
            compete(self.faults, self.client("dynamodb"), operation, response.body, caller)
        return None if fault is None else (fault.code, fault.message, fault.status)

    def _check_fault_targets(self) -> None:
        """A lambda-* fault naming a function no stack has is a typo: refused, named."""
        known = {n for spec in self.runner.functions.values() for n in (spec.name, spec.logical)}
        unknown = sorted(self.faults.spec.lambda_targets() - known)
        if unknown:
            logicals = sorted({s.logical for s in self.runner.functions.values()})
            raise cfn.SandboxError(
                f"--faults: no function {', '.join(unknown)} in the stack "
                f"(functions: {', '.join(logicals)})"
            )

    # -- deploying the real template ----------------------------------------------------
    def deploy_stack(
        self, name: str, parameters: dict[str, str], template: Path | None = None
    ) -> Stack:
        path = template or self.root / "template.yaml"
        sam = cfn.load_template(path)
        s3 = self.client("s3")
        bucket = "turnout-sandbox-artifacts"
        try:  # noqa: SIM105
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region}
            )
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        code_dirs = cfn.package(sam, path.parent, s3, bucket)
        prepared = self.prepare_template(name, sam, parameters, code_dirs)
        cf = self.client("cloudformation")
        cf.create_stack(
            StackName=name,
            TemplateBody=prepared.body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        described = cf.describe_stacks(StackName=name)["Stacks"][0]
        if described["StackStatus"] != "CREATE_COMPLETE":
            raise cfn.SandboxError(
                f"stack {name}: {described['StackStatus']} {described.get('StackStatusReason', '')}"
            )
        return self.finish_template(prepared)

    def prepare_template(
        self,
        name: str,
        sam: dict[str, Any],
        parameters: dict[str, str],
        code_dirs: dict[str, str],
        *,
        update: bool = False,
    ) -> cfn.PreparedTemplate:
        """The SAM template, its code packaged (``code_dirs``: logical id -> local directory),
        made into the CloudFormation template moto creates (SandboxError says what is wrong)."""
        handlers = {
            logical: str(
                r["Properties"].get("Handler")
                or sam.get("Globals", {}).get("Function", {}).get("Handler")
            )
            for logical, r in sam["Resources"].items()
            if r.get("Type") == "AWS::Serverless::Function"
        }
        declared = sam.get("Parameters", {})
        missing = [
            p for p, spec in declared.items() if "Default" not in spec and p not in parameters
        ]
        if missing:
            raise cfn.SandboxError(
                f"stack {name}: parameters without a value: {', '.join(missing)}"
            )
        unknown = [p for p in parameters if p not in declared]
        if unknown:
            raise cfn.SandboxError(f"stack {name}: unknown parameters: {', '.join(unknown)}")
        pseudo = self.pseudo_parameters(name)
        cfn_template = cfn.sam_transform(sam, {**pseudo, **parameters})
        cfn.apply_definition_substitutions(cfn_template)
        provided = cfn.split_unsupported(cfn_template)
        values: dict[str, Any] = {}
        for p, spec in declared.items():
            raw = parameters.get(p, spec.get("Default", ""))
            values[p] = (
                [v.strip() for v in str(raw).split(",")]
                if spec.get("Type") == "CommaDelimitedList"
                else str(raw)
            )
        resolver = cfn.Resolver({**values, **pseudo})
        resolver.check_rules(sam.get("Rules") or {})
        resolver.evaluate_conditions(cfn_template.get("Conditions", {}))
        physical, arns = provided_resources.plan(provided, resolver, self.region, self.account)
        cfn_template = cfn.replace_refs(cfn_template, physical, arns)
        return cfn.PreparedTemplate(
            name=name,
            template=cfn_template,
            parameters=dict(parameters),
            provided=provided,
            physical=physical,
            resolver=resolver,
            code_dirs=code_dirs,
            handlers=handlers,
            update=update,
        )

    def pseudo_parameters(self, stack: str) -> dict[str, str]:
        """CloudFormation's pseudo parameters for ``stack`` in this sandbox."""
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": stack,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def finish_template(self, prepared: cfn.PreparedTemplate) -> Stack:
        """After moto created (or updated) the stack: the resources moto skips, the Lambdas
        run in process, the state machines' principals; the stack as the sandbox knows it."""
        name, resolver = prepared.name, prepared.resolver
        cf = self.client("cloudformation")
        described = cf.describe_stacks(StackName=name)["Stacks"][0]
        if described["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            failed = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
                for e in cf.describe_stack_events(StackName=name)["StackEvents"]
                if e.get("ResourceStatus") in ("CREATE_FAILED", "UPDATE_FAILED")
            ]
            raise cfn.SandboxError(
                f"stack {name}: {described['StackStatus']} {'; '.join(failed)}".rstrip()
            )
        resources = cf.describe_stack_resources(StackName=name)["StackResources"]
        self._learn_created(resources, resolver)
        provided_resources.create(
            prepared.provided, resolver, prepared.physical, self.client, prepared.update
        )
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        # An output whose Condition is false is not created (CloudFormation User Guide,
        # Outputs: "Condition").
        expected = {
            key
            for key, output in prepared.template.get("Outputs", {}).items()
            if resolver.conditions.get(output.get("Condition", ""), True)
        }
        lost = expected - set(outputs)
        if lost:
            raise cfn.SandboxError(f"stack {name}: moto dropped outputs {sorted(lost)}")
        stack = Stack(name, outputs, dict(prepared.parameters))
        self._register_functions(stack, prepared.code_dirs, prepared.handlers, resolver)
        self._register_state_machines(resources)
        self.iam.forget_roles()  # service roles (CodeBuild's, EventBridge's) read anew
        self.stacks[name] = stack
        self._check_fault_targets()
        return stack

    def _learn_created(self, resources: list[dict[str, Any]], resolver: cfn.Resolver) -> None:
        """What the resources the sandbox provides may refer to: each created resource's
        physical id, and the ARNs of roles and queues (Fn::GetAtt ... Arn)."""
        for r in resources:
            physical = r.get("PhysicalResourceId")
            if not physical:
                continue
            resolver.physical[r["LogicalResourceId"]] = physical
            if r.get("ResourceType") == "AWS::IAM::Role":
                role = self.client("iam").get_role(RoleName=physical)["Role"]
                resolver.attributes[(r["LogicalResourceId"], "Arn")] = role["Arn"]
            elif r.get("ResourceType") == "AWS::SQS::Queue":
                queue = self.client("sqs").get_queue_attributes(
                    QueueUrl=physical, AttributeNames=["QueueArn"]
                )
                arn = queue["Attributes"]["QueueArn"]
                resolver.attributes[(r["LogicalResourceId"], "Arn")] = arn

    # -- IAM: each principal of the stack calls with its own role's credentials ---------------
    def principal(self, role_arn: str, session: str) -> iam_enforcement.Credentials:
        """Credentials of ``role_arn``'s session, its policies read from the sandbox's IAM
        (what the stack and the demo account gave the role)."""
        from turnout_sandbox.iam.principals import documents_of

        documents = documents_of(self.client("iam"), role_arn)
        self.iam.documents[role_arn] = documents
        return self.iam.register(documents.principal(role_arn, session))

    def _role_documents(self, role_arn: str) -> RoleDocuments:
        """A service role's policies as the sandbox's IAM holds them (IAM enforcement)."""
        from turnout_sandbox.iam.principals import documents_of

        return documents_of(self.client("iam"), role_arn)

    def _register_state_machines(self, resources: list[dict[str, Any]]) -> None:
        sfn = self.client("stepfunctions")
        for r in resources:
            if r.get("ResourceType") != "AWS::StepFunctions::StateMachine":
                continue
            described = sfn.describe_state_machine(stateMachineArn=r["PhysicalResourceId"])
            # Step Functions names its sessions itself (opaque ids): the machine's name here.
            self.principal(described["roleArn"], described["name"])

    def _iam_facts(self, call: Any) -> dict[str, str]:
        """What a request does not carry but IAM authorizes on (the engine's "facts"): the
        deployment group a CodeDeploy deployment belongs to, its deployment config, the
        partition key of a DynamoDB table (for dynamodb:LeadingKeys)."""
        if call.service == "dynamodb" and "TableName" in call.params:
            return self._partition_key_fact(str(call.params["TableName"]))
        if call.service != "codedeploy":
            return {}
        codedeploy = self.client("codedeploy")
        if call.operation == "GetDeployment":
            info = codedeploy.get_deployment(deploymentId=call.params["deploymentId"])
            found = info["deploymentInfo"]
            return {
                "ApplicationName": found["applicationName"],
                "DeploymentGroupName": found["deploymentGroupName"],
            }
        if call.operation == "CreateDeployment":
            name = call.params.get("deploymentConfigName")
            if not name:
                group = codedeploy.get_deployment_group(
                    applicationName=call.params["applicationName"],
                    deploymentGroupName=call.params["deploymentGroupName"],
                )["deploymentGroupInfo"]
                name = group.get("deploymentConfigName", "CodeDeployDefault.ECSAllAtOnce")
            return {"DeploymentConfigName": str(name)}
        return {}

    def _partition_key_fact(self, table: str) -> dict[str, str]:
        """{"PartitionKeyName": the table's HASH key} (a key schema never changes: kept)."""
        name = self._partition_keys.get(table)
        if name is None:
            found = self.client("dynamodb").describe_table(TableName=table.rsplit("/", 1)[-1])
            schema = found["Table"]["KeySchema"]
            name = next(str(k["AttributeName"]) for k in schema if k["KeyType"] == "HASH")
            self._partition_keys[table] = name
        return {"PartitionKeyName": name}

    def _register_functions(
        self,
        stack: Stack,
        code_dirs: dict[str, str],
        handlers: dict[str, str],
        resolver: cfn.Resolver,
    ) -> None:
        lam = self.client("lambda")
        for logical, code_dir in code_dirs.items():
            if logical not in resolver.physical:  # its Condition is false: not created
                continue
            fn_name = resolver.physical[logical]
            conf = lam.get_function_configuration(FunctionName=fn_name)
            spec = FunctionSpec(
                name=fn_name,
                arn=conf["FunctionArn"],
                code_dir=code_dir,
                handler=handlers[logical],
                env={
                    k: str(v) for k, v in conf.get("Environment", {}).get("Variables", {}).items()
                },
                timeout=int(conf.get("Timeout", 3)),
                memory=int(conf.get("MemorySize", 128)),
                logical=logical,
                role_arn=str(conf.get("Role", "")),
                dead_letter_arn=str((conf.get("DeadLetterConfig") or {}).get("TargetArn", "")),
            )
            # Lambda hands the function its execution role's session credentials in its
            # environment (Lambda Developer Guide, "Defined runtime environment variables").
            spec.env.update(self.principal(conf["Role"], fn_name).environment())
            self.runner.add(spec)
            stack.functions[logical] = spec


def active() -> Sandbox | None:
    return _ACTIVE

"""Deploy the real template.yaml into moto: SAM transform offline, then CloudFormation.

No edits to the template: the sandbox only does what the SAM CLI and CloudFormation do
(package CodeUri/DefinitionUri, apply DefinitionSubstitutions), and provides itself the
resource types that moto's CloudFormation silently skips, failing loudly on any other.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class SandboxError(Exception):
    """The sandbox cannot do what was asked; the message says why."""


class ResourceFailed(SandboxError):
    """A resource of a stack cannot be created or updated: CloudFormation's *_FAILED event
    names ``logical_id`` with ``reason``."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


# ---------------------------------------------------------------- YAML with CloudFormation tags
class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's, when PyYAML was built with it: the same documents,
    several times faster) with CloudFormation's short-form tags."""


def _tag(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _short in ("Ref", "Condition"):
    _CfnLoader.add_constructor(f"!{_short}", _tag(_short))
for _fn in (
    "Sub",
    "GetAtt",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "Join",
    "Select",
    "Split",
    "FindInMap",
    "Base64",
    "Cidr",
    "GetAZs",
    "ImportValue",
    "Transform",
):
    _CfnLoader.add_constructor(f"!{_fn}", _tag(f"Fn::{_fn}"))


def load_template(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise SandboxError(f"{path}: cannot read the template: {exc}") from None
    return parse_template(text, str(path))


def parse_template(text: str, where: str = "the template") -> dict[str, Any]:
    """A template's YAML or JSON, short-form intrinsics (``!Ref``) as their long form."""
    try:
        data = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise SandboxError(f"{where}: cannot read the template: {exc}") from None
    if not isinstance(data, dict) or "Resources" not in data:
        raise SandboxError(f"{where}: not a CloudFormation template (no Resources)")
    return data


# ---------------------------------------------------------------- intrinsic resolution
@dataclass
class Resolver:
    """Resolves intrinsics for the resources the sandbox creates itself."""

    params: dict[str, Any]
    physical: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911, PLR0912
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                if arg in self.params:
                    return self.params[arg]
                if arg in self.physical:
                    return self.physical[arg]
                raise SandboxError(f"cannot resolve Ref {arg}")
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                if (logical, attr) in self.attributes:
                    return self.attributes[(logical, attr)]
                raise SandboxError(f"cannot resolve Fn::GetAtt {logical}.{attr}")
            if key == "Fn::Sub":
                text, variables = (
                    (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                )
                return self._sub(text, variables)
            if key == "Fn::Join":
                return str(arg[0]).join(str(self.resolve(v)) for v in self.resolve(arg[1]))
            if key == "Fn::If":
                return self.resolve(arg[1] if self.conditions.get(arg[0], False) else arg[2])
            if key == "Fn::Equals":
                a, b = self.resolve(arg[0]), self.resolve(arg[1])
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Condition":
                return self.conditions.get(arg, False)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, text: str, variables: Mapping[str, Any]) -> str:
        import re

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical, attr = name.split(".", 1)
                return str(self.resolve({"Fn::GetAtt": [logical, attr]}))
            return str(self.resolve({"Ref": name}))

        return re.sub(r"\$\{([^}]+)\}", repl, text)

    def evaluate_conditions(self, conditions: Mapping[str, Any]) -> None:
        for name, expression in conditions.items():
            self.conditions[name] = bool(self.resolve(expression))

    def check_rules(self, rules: Mapping[str, Any]) -> None:
        """The template's ``Rules``, checked before anything is created or updated: a rule
        whose ``RuleCondition`` holds (or that has none) needs every ``Assert`` true, else
        the stack is refused with the assertion's ``AssertDescription`` (CloudFormation User
        Guide, "CloudFormation Rules syntax"). Only the rule functions the parameters need
        here (Fn::Equals, Fn::Not, Fn::And, Fn::Or over Refs) are understood."""
        for name, rule in rules.items():
            condition = rule.get("RuleCondition")
            if condition is not None and not self.resolve(condition):
                continue
            for assertion in rule.get("Assertions") or []:
                if not self.resolve(assertion.get("Assert")):
                    why = assertion.get("AssertDescription") or f"rule {name} is not met"
                    raise SandboxError(f"ValidationError: {why}")


# ---------------------------------------------------------------- packaging (what `sam package` does)  # noqa: E501
def _zip_bytes(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def package(template: dict[str, Any], root: Path, s3: Any, bucket: str) -> dict[str, str]:
    """Upload code to (moto's) S3 and inline state machine definitions, like `sam package`.

    Returns logical id -> local code directory of each function (for the in-process runner)."""
    code_dirs: dict[str, str] = {}
    globals_fn = template.get("Globals", {}).get("Function", {})
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            uri = props.get("CodeUri", globals_fn.get("CodeUri"))
            if not isinstance(uri, str) or not (root / uri).is_dir():
                raise SandboxError(f"{logical}: CodeUri {uri!r} is not a directory under {root}")
            code_dirs[logical] = str((root / uri).resolve())
            files = {p.name: p.read_bytes() for p in (root / uri).glob("*.py")}
            key = f"code/{logical}.zip"
            s3.put_object(Bucket=bucket, Key=key, Body=_zip_bytes(files))
            props["CodeUri"] = f"s3://{bucket}/{key}"
        elif kind == "AWS::Serverless::LayerVersion":
            uri = props.get("ContentUri")
            if not isinstance(uri, str) or not (root / uri).is_dir():
                raise SandboxError(f"{logical}: ContentUri {uri!r} is not a directory under {root}")
            key = f"layers/{logical}.zip"
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=_zip_bytes({"python/README": b"turnout core (runs in-process)"}),
            )
            props["ContentUri"] = f"s3://{bucket}/{key}"
        elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            uri = props.pop("DefinitionUri")
            path = root / str(uri)
            try:
                props["Definition"] = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise SandboxError(f"{logical}: DefinitionUri {uri}: {exc}") from None
    return code_dirs


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def sam_transform(template: dict[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", parameters.get("AWS::Region", "ap-northeast-2"))
    try:
        result: dict[str, Any] = transform(template, dict(parameters), _NoManagedPolicies())
        return result
    except Exception as exc:  # samtranslator raises InvalidDocumentException with a list of causes
        causes = getattr(exc, "causes", None)
        text = "; ".join(str(c) for c in causes) if causes else str(exc)
        raise SandboxError(f"SAM transform failed: {text}") from None


def apply_definition_substitutions(template: dict[str, Any]) -> None:
    """What Step Functions does with DefinitionSubstitutions, as Fn::Sub (moto ignores them)."""
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        props = resource["Properties"]
        subs = props.pop("DefinitionSubstitutions", None)
        if not subs:
            continue
        definition = props.pop("DefinitionString", None)
        if definition is None and "Definition" in props:
            definition = json.dumps(props.pop("Definition"))
        if isinstance(definition, dict) and "Fn::Join" in definition:
            parts = definition["Fn::Join"][1]
            if all(isinstance(p, str) for p in parts):
                definition = definition["Fn::Join"][0].join(parts)
        if not isinstance(definition, str):
            raise SandboxError(f"unexpected DefinitionString shape: {str(definition)[:200]}")
        props["DefinitionString"] = {"Fn::Sub": [definition, subs]}


#: Types moto's CloudFormation skips but the sandbox creates itself (after the stack).
PROVIDED_TYPES = (
    "AWS::CodeBuild::Project",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Subscription",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",  # the SAM CLI's managed bucket stack has one
)


def split_unsupported(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Remove the resources moto cannot create; fail on any the sandbox cannot provide."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    supported = set(get_model_map()) | set(NULL_MODELS)
    provided: dict[str, dict[str, Any]] = {}
    missing: list[tuple[str, str]] = []
    for logical, resource in list(template["Resources"].items()):
        kind = resource.get("Type", "")
        if kind in supported or kind.startswith("Custom::"):
            continue
        if kind in PROVIDED_TYPES:
            provided[logical] = template["Resources"].pop(logical)
        else:
            missing.append((logical, kind))
    if missing:
        logical, kind = missing[0]
        rest = ", ".join(f"{name} ({of})" for name, of in missing[1:])
        raise ResourceFailed(
            logical,
            kind,
            f"the sandbox cannot create a resource of type {kind}"
            + (f" (nor these: {rest})" if rest else ""),
        )
    return provided


def replace_refs(value: Any, physical: Mapping[str, str], arns: Mapping[str, str]) -> Any:
    """Replace Ref/GetAtt of sandbox-provided resources with their known values."""
    if isinstance(value, list):
        return [replace_refs(v, physical, arns) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and arg in physical:
            return physical[arg]
        if key == "Fn::GetAtt":
            logical = arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
            if logical in arns:
                return arns[logical]
    return {k: replace_refs(v, physical, arns) for k, v in value.items()}


# ---------------------------------------------------------------- a template made ready for moto
@dataclass
class PreparedTemplate:
    """What the sandbox made of a SAM template for moto's CloudFormation, and what it needs
    after moto created the stack (the resources moto skips, the functions' code and handlers)."""

    name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    provided: dict[str, dict[str, Any]]
    physical: dict[str, str]
    resolver: Resolver
    code_dirs: dict[str, str]
    handlers: dict[str, str]
    update: bool = False

    @property
    def body(self) -> str:
        return json.dumps(self.template)

    @property
    def extra_resources(self) -> dict[str, tuple[str, str]]:
        """The resources the sandbox creates itself: logical id -> (type, physical id)."""
        return {
            logical: (str(resource["Type"]), self.physical.get(logical, ""))
            for logical, resource in self.provided.items()
        }


def _s3_object(value: Any) -> tuple[str, str] | None:
    """(bucket, key) of a packaged artifact: ``s3://bucket/key`` or ``{Bucket, Key}``."""
    if isinstance(value, str) and value.startswith("s3://"):
        bucket, _, key = value[5:].partition("/")
        return bucket, key
    if isinstance(value, dict) and "Bucket" in value and "Key" in value:
        return str(value["Bucket"]), str(value["Key"])
    return None


def fetch_packaged(template: dict[str, Any], s3: Any, workdir: Path) -> dict[str, str]:
    """What Lambda and Step Functions do with a packaged template's artifacts (what
    ``sam package`` uploaded): each function's zip unpacked to ``workdir/<logical id>`` to run
    in process, each state machine's DefinitionUri read from S3 as its definition.

    Returns logical id -> code directory; ResourceFailed names an artifact S3 does not hold."""
    code_dirs: dict[str, str] = {}
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            uri = props.get(
                "CodeUri", template.get("Globals", {}).get("Function", {}).get("CodeUri")
            )
            where = _s3_object(uri)
            if where is None:
                raise ResourceFailed(
                    logical, kind, f"CodeUri {uri!r} is not in S3: run sam build, then sam deploy"
                )
            target = workdir / logical
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(_read_s3(s3, where, logical, kind))) as archive:
                archive.extractall(target)
            code_dirs[logical] = str(target)
        elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            where = _s3_object(props["DefinitionUri"])
            if where is None:
                continue  # a local path: the SAM transform says what is wrong with it
            try:
                props["Definition"] = json.loads(_read_s3(s3, where, logical, kind))
            except ValueError as exc:
                raise ResourceFailed(logical, kind, f"DefinitionUri is not JSON: {exc}") from None
            del props["DefinitionUri"]
    return code_dirs


def _read_s3(s3: Any, where: tuple[str, str], logical: str, kind: str) -> bytes:
    try:
        return bytes(s3.get_object(Bucket=where[0], Key=where[1])["Body"].read())
    except Exception as exc:  # NoSuchKey / NoSuchBucket: S3's own words
        raise ResourceFailed(logical, kind, f"s3://{where[0]}/{where[1]}: {exc}") from None

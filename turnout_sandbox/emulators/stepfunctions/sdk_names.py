"""aws-sdk integration names: services, members and error prefixes as Step Functions has them.

Per https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html:

* ``<service>`` of ``arn:aws:states:::aws-sdk:<service>:<apiAction>`` is the AWS SDK for
  Java v2 client name: the botocore model's ``serviceId`` lower-cased without spaces
  (``elasticloadbalancingv2`` -> ``elbv2``, ``sfn`` -> ``stepfunctions``, ``cloudwatchlogs``
  -> ``logs``, ``eventbridge`` -> ``events``, ``acmpca`` -> ``acm-pca``). An unknown name
  fails the task naming the ARN.
* Members are PascalCased the way the Java v2 SDK names them (``deploymentId`` ->
  ``DeploymentId``, ``DBInstanceIdentifier`` -> ``DbInstanceIdentifier``).
* Error names are prefixed with the Java v2 client prefix: the words of ``serviceId`` each
  capitalised with the rest lower-cased (``CodeDeploy``, ``DynamoDb``, ``Sfn``,
  ``ElasticLoadBalancingV2``, ``AcmPca``).

The botocore models are read once and cached (process-wide caches of static data).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, Final

from turnout_sandbox.emulators.stepfunctions.models import AwsSdkIntegrationError

__all__ = [
    "sdk_error_service_name",
    "sdk_member_name",
    "sdk_service_to_boto",
]

_SERVICE_CACHE: dict[str, str] = {}
_SERVICE_ID_CACHE: dict[str, str] = {}
_SERVICE_CACHE_LOCK = threading.Lock()
# ------------------------------------------------------------------------------ names
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _pascal_words(text: str) -> str:
    return "".join(word[:1].upper() + word[1:].lower() for word in _WORDS.findall(text))


def sdk_member_name(member: str) -> str:
    """The PascalCase name Step Functions uses for an API member (Java v2 SDK naming)."""
    return _pascal_words(member)


def _normalise_service_id(service_id: str) -> str:
    name = re.sub(r"[^a-z0-9]", "", service_id.lower())
    return name.removesuffix("service") if name != "service" else name


_SERVICE_HINTS: Final[Mapping[str, str]] = {
    "sfn": "stepfunctions",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "acmpca": "acm-pca",
    "applicationautoscaling": "application-autoscaling",
    "cognitoidentityprovider": "cognito-idp",
    "costexplorer": "ce",
    "databasemigration": "dms",
}


_BOTOCORE: list[Any] = []


def _botocore_session() -> Any:
    if not _BOTOCORE:
        import botocore.session

        _BOTOCORE.append(botocore.session.get_session())
    return _BOTOCORE[0]


def _loader() -> Any:
    return _botocore_session().get_component("data_loader")


def _service_id_of(boto_name: str) -> str:
    cached = _SERVICE_ID_CACHE.get(boto_name)
    if cached is None:
        model = _loader().load_service_model(boto_name, "service-2")
        cached = str(model["metadata"].get("serviceId") or boto_name)
        _SERVICE_ID_CACHE[boto_name] = cached
    return cached


def sdk_service_to_boto(sdk_service: str) -> str:
    """Map an aws-sdk integration service name (``elasticloadbalancingv2``) to boto's."""
    with _SERVICE_CACHE_LOCK:
        if sdk_service in _SERVICE_CACHE:
            return _SERVICE_CACHE[sdk_service]
        available = set(_loader().list_available_services("service-2"))
        found: str | None = None
        hinted = _SERVICE_HINTS.get(sdk_service, sdk_service)
        for candidate in (hinted, sdk_service):
            if candidate in available and (
                _normalise_service_id(_service_id_of(candidate)) == sdk_service
            ):
                found = candidate
                break
        if found is None:
            for candidate in sorted(available):
                if _normalise_service_id(_service_id_of(candidate)) == sdk_service:
                    found = candidate
                    break
        if found is None:
            raise AwsSdkIntegrationError(
                f"arn:aws:states:::aws-sdk:{sdk_service}: unknown aws-sdk service "
                f"'{sdk_service}' (no botocore model has that serviceId)"
            )
        _SERVICE_CACHE[sdk_service] = found
        return found


def sdk_error_service_name(boto_service: str) -> str:
    """The Pascal-case service prefix of aws-sdk error names (``CodeDeploy``, ``DynamoDb``)."""
    service_id = _service_id_of(boto_service)
    words = re.split(r"[^A-Za-z0-9]+", service_id)
    name = "".join(_pascal_words(word) for word in words if word)
    return name.removesuffix("Service") if name != "Service" else name


def _service_operation(boto_service: str, action: str) -> Any | None:
    """The botocore operation model of ``action`` (any casing), or None when unknown."""
    key = f"{boto_service}:{action}"
    if key not in _OPERATION_CACHE:
        model = _botocore_session().get_service_model(boto_service)
        wanted = action.replace("_", "").lower()
        found = None
        for name in model.operation_names:
            if name.lower() == wanted:
                found = model.operation_model(name)
                break
        _OPERATION_CACHE[key] = found
    return _OPERATION_CACHE[key]


_OPERATION_CACHE: dict[str, Any] = {}

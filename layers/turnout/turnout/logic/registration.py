"""What a refused RegisterTaskDefinition means for the user: their taskdef.json is at fault."""

from __future__ import annotations

import re

from turnout.adapters.aws import error_code
from turnout.errors import TaskDefinitionInvalid

#: ECS's answers to a request it will not register (RegisterTaskDefinition, "Errors").
REFUSAL_CODES: frozenset[str] = frozenset({"ClientException", "InvalidParameterException"})
#: The member a botocore validation report line names ("... for parameter cpu, value: 256").
_PARAMETER = re.compile(r"parameter (?:in )?(?:input: )?\"?([A-Za-z0-9_.\[\]-]+)\"?")


def registration_refusal(exc: BaseException, path: str) -> TaskDefinitionInvalid | None:
    """TaskDefinitionInvalid naming ``path`` and the fields at fault, or None.

    botocore checks the request against the ECS model before sending it (ParamValidationError:
    a wrong type, an unknown or missing member, a value out of range); ECS itself answers
    ClientException or InvalidParameterException. None for anything else (throttling, access,
    a bug): not the file's fault, so the caller re-raises it as it was."""
    # botocore is loaded by then (a client raised); importing it here keeps it out of INIT.
    from botocore.exceptions import ClientError, ParamValidationError

    if isinstance(exc, ParamValidationError):
        report = str(exc.kwargs.get("report", exc))
        fields = list(dict.fromkeys(_PARAMETER.findall(report)))
        named = f" ({', '.join(fields)})" if fields else ""
        detail = "; ".join(line.strip() for line in report.splitlines() if line.strip())
        return TaskDefinitionInvalid(
            f"{path}: botocore refuses the RegisterTaskDefinition request{named}: {detail}"
        )
    code = error_code(exc)
    if not isinstance(exc, ClientError) or code not in REFUSAL_CODES:
        return None
    message = exc.response.get("Error", {}).get("Message", "")
    return TaskDefinitionInvalid(
        f"{path}: ECS RegisterTaskDefinition refused it ({code}): {message}"
    )

"""The DynamoDB table: queue state, ledger rows, seen events, build pointers, waits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from turnout.adapters.aws import client as make_client
from turnout.adapters.aws import error_code, guarded
from turnout.errors import TransientError
from turnout.reconcile import CLAIM_ATTEMPT, CLAIM_BUILD, CLAIM_STARTED, CLAIM_TRIGGER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from turnout.queue import ServiceState

T = TypeVar("T")

EVENT_TTL_SECONDS = 7 * 24 * 3600
WAIT_TTL_SECONDS = 3 * 24 * 3600


def _encode(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    if value is None:
        return {"NULL": True}
    return {"S": "json:" + json.dumps(value, sort_keys=True)}


def _decode(value: dict[str, Any]) -> Any:
    if "S" in value:
        text: str = value["S"]
        return json.loads(text[5:]) if text.startswith("json:") else text
    if "N" in value:
        number = float(value["N"])
        return int(number) if number.is_integer() and "." not in value["N"] else number
    if "BOOL" in value:
        return bool(value["BOOL"])
    return None


def _set_clause(fields: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``SET #f0 = :v0, ...`` with its attribute names and encoded values."""
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":v{i}": _encode(v) for i, v in enumerate(fields.values())}
    return "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))), names, values


def encode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _encode(v) for k, v in item.items()}


def decode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _decode(v) for k, v in item.items()}


class ConcurrentUpdate(TransientError):
    """Someone else changed the service state first; read again and retry."""


class Store:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table = table_name
        self._client = client

    @property
    def ddb(self) -> DynamoDBClient:
        if self._client is None:
            self._client = make_client("dynamodb")
        return guarded(self._client)

    # -- generic -----------------------------------------------------------------
    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self.ddb.get_item(
            TableName=self.table, Key=encode_item({"pk": pk, "sk": sk}), ConsistentRead=True
        ).get("Item")
        return decode_item(found) if found else None

    def put(self, item: dict[str, Any], *, if_absent: bool = False) -> bool:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": encode_item(item)}
        if if_absent:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            self.ddb.put_item(**kwargs)
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update(self, pk: str, sk: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Set ``fields`` (creating the item if needed); returns the whole new item."""
        result = self._set(pk, sk, fields, "ALL_NEW")
        return decode_item(result.get("Attributes", {}))

    def set_fields(self, pk: str, sk: str, fields: dict[str, Any]) -> None:
        """Set ``fields`` (creating the item if needed), reading nothing back: ReturnValues
        NONE, so the response carries no attributes (DynamoDB API Reference, UpdateItem)."""
        self._set(pk, sk, fields, "NONE")

    def _set(
        self, pk: str, sk: str, fields: dict[str, Any], returns: Literal["ALL_NEW", "NONE"]
    ) -> dict[str, Any]:
        expression, names, values = _set_clause(fields)
        return dict(
            self.ddb.update_item(
                TableName=self.table,
                Key=encode_item({"pk": pk, "sk": sk}),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues=returns,
            )
        )

    def update_if(
        self,
        pk: str,
        sk: str,
        fields: dict[str, Any],
        *,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Set ``fields`` only when ``condition`` holds (its placeholders are ``names`` and
        ``values``, which must not start with ``#f``/``:v``); the whole new item, or None
        when the condition failed."""
        expression, set_names, set_values = _set_clause(fields)
        try:
            result = self.ddb.update_item(
                TableName=self.table,
                Key=encode_item({"pk": pk, "sk": sk}),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=set_names | names,
                ExpressionAttributeValues=set_values | encode_item(values),
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return decode_item(result.get("Attributes", {}))

    def delete(self, pk: str, sk: str) -> None:
        self.ddb.delete_item(TableName=self.table, Key=encode_item({"pk": pk, "sk": sk}))

    def query(
        self, pk: str, prefix: str = "", *, newest_first: bool = False, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk" + (" AND begins_with(sk, :p)" if prefix else ""),
            "ExpressionAttributeValues": encode_item(
                {":pk": pk, **({":p": prefix} if prefix else {})}
            ),
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        count = 0
        while True:
            page = self.ddb.query(**kwargs)
            for item in page.get("Items", []):
                yield decode_item(item)
                count += 1
                if limit is not None and count >= limit:
                    return
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            kwargs["ExclusiveStartKey"] = start

    # -- queue state (optimistic concurrency) ------------------------------------
    def load_state(self, service: str) -> ServiceState:
        from turnout.queue import ServiceState  # lazy: the queue state is read by few functions

        item = self.get(f"SERVICE#{service}", "STATE")
        if not item:
            return ServiceState()
        return ServiceState.from_dict(item["state"] | {"version": item.get("version", 0)})

    def _save_state(self, service: str, new: ServiceState, expected_version: int) -> None:
        item = {
            "pk": f"SERVICE#{service}",
            "sk": "STATE",
            "state": new.to_dict(),
            "version": new.version,
        }
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :v"
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Item": encode_item(item),
            "ConditionExpression": condition,
        }
        if expected_version:
            kwargs["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        try:
            self.ddb.put_item(**kwargs)
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(
                    f"service state of {service} changed concurrently (version {expected_version})"
                ) from None
            raise

    def change_state(
        self, service: str, fn: Callable[[ServiceState], tuple[ServiceState, T]], attempts: int = 8
    ) -> T:
        """Apply ``fn`` to the current state and store its result atomically (retrying races)."""
        last: ConcurrentUpdate | None = None
        for _ in range(attempts):
            current = self.load_state(service)
            new, result = fn(current)
            if new.version == current.version:
                return result
            try:
                self._save_state(service, new, current.version)
            except ConcurrentUpdate as exc:
                last = exc
                continue
            return result
        assert last is not None
        raise last

    # -- ledger --------------------------------------------------------------------
    def put_attempt(self, service: str, attempt_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.update(
            *_attempt_key(service, attempt_id), _attempt_fields(service, attempt_id, fields)
        )

    def note_attempt(self, service: str, attempt_id: str, fields: dict[str, Any]) -> None:
        """:meth:`put_attempt` for a writer that needs no row back (the gate's every check)."""
        self.set_fields(
            *_attempt_key(service, attempt_id), _attempt_fields(service, attempt_id, fields)
        )

    def get_attempt(self, service: str, attempt_id: str) -> dict[str, Any] | None:
        return self.get(*_attempt_key(service, attempt_id))

    def attempts(self, service: str, limit: int | None = None) -> list[dict[str, Any]]:
        return list(self.query(f"SERVICE#{service}", "ATTEMPT#", newest_first=True, limit=limit))

    def first_delivery(
        self,
        service: str,
        event_id: str,
        now: float,
        replay_name: str | None = None,
        attempt_id: str = "",
    ) -> bool:
        """True the first time an event is seen (EventBridge delivers at least once).

        The marker is keyed on the event id plus the replay's name: AWS documents no
        relation between a replayed event's ``id`` and the original's (EventBridge UG,
        "Replaying archived events" shows only the added ``replay-name``; aws-fidelity
        row 9), so whether a replay keeps the id or gets a new one, a replay is never
        taken for a redelivery of the original, and a redelivered replay is."""
        key = f"{event_id}#replay#{replay_name}" if replay_name else event_id
        if attempt_id:
            # The marker names the attempt that took it: the same attempt asking again (Step
            # Functions retrying Admit after a timeout or crash that came after the marker
            # was written) is still the first delivery; another attempt is a redelivery.
            taken = self.update_if(
                f"SERVICE#{service}",
                f"EVENT#{key}",
                {"seenAt": now, "expiresAt": int(now) + EVENT_TTL_SECONDS, "attemptId": attempt_id},
                condition="attribute_not_exists(pk) OR #attempt = :attempt",
                names={"#attempt": "attemptId"},
                values={":attempt": attempt_id},
            )
            return taken is not None
        return self.put(
            {
                "pk": f"SERVICE#{service}",
                "sk": f"EVENT#{key}",
                "seenAt": now,
                "expiresAt": int(now) + EVENT_TTL_SECONDS,
            },
            if_absent=True,
        )

    def put_build(self, service: str, commit_id: str, fields: dict[str, Any]) -> None:
        self.update(f"SERVICE#{service}", f"BUILD#{commit_id}", fields)

    def get_build(self, service: str, commit_id: str) -> dict[str, Any] | None:
        return self.get(f"SERVICE#{service}", f"BUILD#{commit_id}")

    def put_latest_build(self, service: str, commit_id: str, build_id: str, at: float) -> None:
        """Point ``LATEST_BUILD`` at the newest successful build (what reconciliation reads)."""
        self.update(
            f"SERVICE#{service}",
            "LATEST_BUILD",
            {"commitId": commit_id, "buildId": build_id, "builtAt": at},
        )

    def latest_build(self, service: str) -> dict[str, Any] | None:
        return self.get(f"SERVICE#{service}", "LATEST_BUILD")

    def claim_build(
        self,
        service: str,
        commit_id: str,
        *,
        build_id: str,
        digest: str,
        attempt_id: str,
        trigger: str,
        now: float,
    ) -> dict[str, Any] | None:
        """Claim the deploy of build ``build_id`` of ``commit_id`` for ``attempt_id``: only one
        attempt deploys a build (the ECR push's or a reconciliation's). None when claimed (or
        already by this attempt: a retried Admit); else the row, whose ``deployAttemptId``
        names the attempt holding it (or that is no longer this build with this digest)."""
        taken = self.update_if(
            f"SERVICE#{service}",
            f"BUILD#{commit_id}",
            {
                CLAIM_BUILD: build_id,
                CLAIM_ATTEMPT: attempt_id,
                CLAIM_TRIGGER: trigger,
                "deployClaimedAt": now,
            },
            condition=(
                "#b = :build AND #d = :digest AND "
                "(attribute_not_exists(#cb) OR #cb <> :build OR #ca = :attempt)"
            ),
            names={"#b": "buildId", "#d": "digest", "#cb": CLAIM_BUILD, "#ca": CLAIM_ATTEMPT},
            values={":build": build_id, ":digest": digest, ":attempt": attempt_id},
        )
        if taken is not None:
            return None
        return self.get_build(service, commit_id) or {}

    def mark_build_deploy_started(self, service: str, commit_id: str) -> None:
        self.update(f"SERVICE#{service}", f"BUILD#{commit_id}", {CLAIM_STARTED: True})

    def built_commits(self, service: str, prefix: str, limit: int = 2) -> list[str]:
        """Commits of this service's BUILD# rows that start with ``prefix`` (at most
        ``limit``: two are enough to tell that a short commit id is ambiguous)."""
        rows = self.query(f"SERVICE#{service}", f"BUILD#{prefix}", limit=limit)
        return [str(r["sk"]).removeprefix("BUILD#") for r in rows]

    # -- waits (task tokens) -------------------------------------------------------
    def gate(self, deployment_id: str) -> dict[str, Any] | None:
        return self.get("GATES", deployment_id)

    def update_gate(self, deployment_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.update("GATES", deployment_id, fields)

    def update_gate_if(self, deployment_id: str, checks: int, fields: dict[str, Any]) -> bool:
        """Update the gate only if no other tick changed it since it was read."""
        expression, names, values = _set_clause(fields)
        values[":checks"] = {"N": str(checks)}
        names["#c"] = "checks"
        condition = "attribute_not_exists(#c) OR #c = :checks"
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=encode_item({"pk": "GATES", "sk": deployment_id}),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete_gate(self, deployment_id: str, token: str | None = None) -> None:
        """Delete the gate item; given ``token``, only while it still holds that task token
        (an ECS deployment's next pause re-arms the same item with the next wait's token,
        which an answer sent for the previous one must not delete)."""
        if token is None:
            self.delete("GATES", deployment_id)
            return
        try:
            self.ddb.delete_item(
                TableName=self.table,
                Key=encode_item({"pk": "GATES", "sk": deployment_id}),
                ConditionExpression="attribute_not_exists(#t) OR #t = :t",
                ExpressionAttributeNames={"#t": "taskToken"},
                ExpressionAttributeValues=encode_item({":t": token}),
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def gates(self) -> list[dict[str, Any]]:
        return list(self.query("GATES"))

    def put_wait(self, deployment_id: str, kind: str, fields: dict[str, Any]) -> None:
        self.update(f"DEPLOYMENT#{deployment_id}", f"WAIT#{kind}", fields)

    def wait(self, deployment_id: str, kind: str) -> dict[str, Any] | None:
        return self.get(f"DEPLOYMENT#{deployment_id}", f"WAIT#{kind}")

    def delete_wait(self, deployment_id: str, kind: str) -> None:
        self.delete(f"DEPLOYMENT#{deployment_id}", f"WAIT#{kind}")


def _attempt_key(service: str, attempt_id: str) -> tuple[str, str]:
    """The ledger row of one attempt: (pk, sk)."""
    return f"SERVICE#{service}", f"ATTEMPT#{attempt_id}"


def _attempt_fields(service: str, attempt_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the row's own identity, which every write of it carries."""
    return {"attemptId": attempt_id, "service": service, **fields}

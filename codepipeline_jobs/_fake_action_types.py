"""The custom action types the fake CodePipeline knows, and the checks they make.

Private to `codepipeline_jobs.testing`: every method expects the fake's lock
to be held. Requests arrive in wire form, already checked against the
service's rules (`codepipeline_jobs._rules`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ._action_type_models import ActionType
from ._convert import structure
from ._fake_wire import ServiceError
from ._values import ActionOwner

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._models import ActionTypeId

__all__ = ["CUSTOM_ACTION_TYPES_PER_REGION", "ActionTypeBook", "Strictness"]

#: The quota of custom action types per account and Region (CodePipeline quotas page).
CUSTOM_ACTION_TYPES_PER_REGION = 50

#: What an action's configuration value may be (CodePipeline quotas: 1-1000 characters).
_VALUE_MAX = 1000
#: What the queryable property's value may be (user guide: at most 20 of these).
_QUERYABLE_VALUE = re.compile(r"[A-Za-z0-9_-]{1,20}")

Strictness = bool | None
"""True: always strict; False: never; None: strict once a custom action type is registered."""

_Key = tuple[str, str, str]


def _key_of(category: object, provider: object, version: object) -> _Key:
    return (str(category), str(provider), str(version))


def _id_key(action_type_id: ActionTypeId) -> _Key:
    return _key_of(action_type_id.category, action_type_id.provider, action_type_id.version)


def _definition(params: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of the action type a CreateCustomActionType request defines."""
    action_type: dict[str, Any] = {
        "id": {
            "category": params["category"],
            "owner": "Custom",
            "provider": params["provider"],
            "version": params["version"],
        },
        "inputArtifactDetails": dict(params["inputArtifactDetails"]),
        "outputArtifactDetails": dict(params["outputArtifactDetails"]),
    }
    if params.get("settings"):
        action_type["settings"] = dict(params["settings"])
    if params.get("configurationProperties"):
        action_type["actionConfigurationProperties"] = [
            dict(p) for p in params["configurationProperties"]
        ]
    return action_type


class ActionTypeBook:
    """The registered (and the deleted) custom action types of one fake."""

    def __init__(self, *, strict: Strictness, page_size: int) -> None:
        self.strict_setting = strict
        self.page_size = page_size
        self._types: dict[_Key, dict[str, Any]] = {}
        self._tags: dict[_Key, list[dict[str, str]]] = {}
        self._deleted: dict[_Key, dict[str, Any]] = {}

    @property
    def strict(self) -> bool:
        """Whether polls and added jobs are checked against the registered types now."""
        if self.strict_setting is None:
            return bool(self._types) or bool(self._deleted)
        return self.strict_setting

    # --- set up and inspected by the test -------------------------------------------------

    def register(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Register a type from CreateCustomActionType parameters; the service's errors as `ServiceError`."""
        key = _key_of(params["category"], params["provider"], params["version"])
        definition = _definition(params)
        name = "/".join(key)
        existing = self._types.get(key)
        if existing is not None:
            if existing != definition:
                raise ServiceError(
                    "ValidationException",
                    f"custom action type {name} already exists with another definition",
                )
            return existing
        deleted = self._deleted.get(key)
        if deleted is not None and deleted != definition:
            raise ServiceError(
                "ValidationException",
                f"custom action type {name} was deleted; only its identical definition can be "
                "created again: use a new version",
            )
        if len(self._types) >= CUSTOM_ACTION_TYPES_PER_REGION:
            raise ServiceError(
                "LimitExceededException",
                f"at most {CUSTOM_ACTION_TYPES_PER_REGION} custom action types per Region",
            )
        self._deleted.pop(key, None)
        self._types[key] = definition
        self._tags[key] = [dict(tag) for tag in params.get("tags") or ()]
        return definition

    def action_types(self) -> list[ActionType]:
        """Every registered type, in the order they were registered."""
        return [structure(t, ActionType) for t in self._types.values()]

    def tags(self, action_type_id: ActionTypeId) -> dict[str, str]:
        """The tags a type was registered with (`KeyError` if not registered)."""
        return {tag["key"]: tag["value"] for tag in self._tags[_id_key(action_type_id)]}

    def _registered(self, action_type_id: ActionTypeId) -> dict[str, Any] | None:
        if action_type_id.owner != ActionOwner.CUSTOM:
            return None
        return self._types.get(_id_key(action_type_id))

    def check_job(self, action_type_id: ActionTypeId, configuration: Mapping[str, str]) -> None:
        """Refuse a job the service could not have queued for this type.

        Raises:
            ValueError: The type is not registered (when strict), or the
                configuration lacks a required property, has a value outside
                1-1000 characters, or a queryable value that is not 1-20 of
                ``[A-Za-z0-9_-]``.
        """
        if action_type_id.owner != ActionOwner.CUSTOM or not self.strict:
            return
        registered = self._registered(action_type_id)
        name = "/".join(_id_key(action_type_id))
        if registered is None:
            msg = (
                f"custom action type {name} is not registered with the fake: register it "
                "(create_custom_action_type, ensure_custom_action_type or "
                "fake.register_action_type) before adding its jobs"
            )
            raise ValueError(msg)
        properties: list[dict[str, Any]] = registered.get("actionConfigurationProperties", [])
        declared = {p["name"] for p in properties}
        for key, value in configuration.items():
            if not 1 <= len(value) <= _VALUE_MAX:
                msg = f"configuration property {key!r}: a value must be 1-{_VALUE_MAX} characters"
                raise ValueError(msg)
            if key not in declared:
                msg = f"configuration property {key!r} is not a property of {name}"
                raise ValueError(msg)
        for prop in properties:
            given = configuration.get(prop["name"])
            if given is None:
                if prop["required"]:
                    msg = f"configuration property {prop['name']!r} of {name} is required"
                    raise ValueError(msg)
                continue
            if prop.get("queryable") and not _QUERYABLE_VALUE.fullmatch(given):
                msg = (
                    f"configuration property {prop['name']!r} is queryable: its value must be "
                    "1-20 characters of [A-Za-z0-9_-]"
                )
                raise ValueError(msg)

    def check_poll(self, params: Mapping[str, Any]) -> None:
        """Answer a PollForJobs the service would refuse, when strict.

        Raises:
            ServiceError: ActionTypeNotFoundException for a type not registered;
                ValidationException for a ``queryParam`` key that is not the
                type's queryable property.
        """
        if not self.strict:
            return
        wanted: Mapping[str, Any] = params["actionTypeId"]
        key = _key_of(wanted["category"], wanted["provider"], wanted["version"])
        registered = self._types.get(key) if wanted.get("owner") == ActionOwner.CUSTOM else None
        if registered is None:
            raise ServiceError(
                "ActionTypeNotFoundException", f"action type {'/'.join(key)} was not found"
            )
        query: Mapping[str, str] = params.get("queryParam") or {}
        queryable = [
            p["name"] for p in registered.get("actionConfigurationProperties", []) if p.get("queryable")
        ]
        for query_key in query:
            if query_key not in queryable:
                raise ServiceError(
                    "ValidationException",
                    f"queryParam key {query_key!r} is not the queryable property of {'/'.join(key)}",
                )

    # --- the operations -------------------------------------------------------------------

    def create_custom_action_type(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        definition = self.register(params)
        key = _key_of(params["category"], params["provider"], params["version"])
        reply: dict[str, Any] = {"actionType": definition}
        if self._tags.get(key):
            reply["tags"] = self._tags[key]
        return reply

    def delete_custom_action_type(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        key = _key_of(params["category"], params["provider"], params["version"])
        definition = self._types.pop(key, None)
        if definition is not None:
            self._deleted[key] = definition
            self._tags.pop(key, None)
        # The service answers the deletion of an unknown type with success too (no error is modelled).
        return {}

    def list_action_types(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        owner = params.get("actionOwnerFilter")
        listed = [] if owner not in (None, "Custom") else list(self._types.values())
        token = params.get("nextToken")
        start = 0
        if token is not None:
            if not token.startswith("page-") or not token[5:].isdigit() or int(token[5:]) > len(listed):
                raise ServiceError("InvalidNextTokenException", "the next token is not valid")
            start = int(token[5:])
        end = start + self.page_size
        reply: dict[str, Any] = {"actionTypes": listed[start:end]}
        if end < len(listed):
            reply["nextToken"] = f"page-{end}"
        return reply

"""The action types one worker polls, and whose turn it is: several types, polled fairly.

A worker may work for several action types at once - ``[ati_v1, ati_v2]`` while
a fleet moves to a new version - sharing its capacity. The polls go to each type
in turn; an empty poll lets the next type's poll go at once, and the worker backs
off only when every type came back empty in a row (so an idle worker of ``n``
types makes ``n`` polls per backoff step). Each type may have its own
``query_param``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias, Union, cast

import attrs

from ._models import ActionTypeId
from ._rules import validate_custom_owner, validate_query_param, validate_third_party_owner

__all__ = ["ActionTypes", "PollTarget", "QueryParams", "Rotation", "poll_targets"]

ActionTypes: TypeAlias = "ActionTypeId | Sequence[ActionTypeId]"
"""What a worker works for: one action type, or several (polled in turn)."""
QueryParams: TypeAlias = Union[  # noqa: UP007 - a runtime alias on 3.10
    Mapping[str, str], Mapping[ActionTypeId, Union[Mapping[str, str], None]], None,  # noqa: UP007
]
"""A ``query_param`` for every action type, or one per action type (keyed by the type)."""


@attrs.frozen
class PollTarget:
    """One action type a worker polls, with its query parameter (custom types only)."""

    action_type_id: ActionTypeId
    query_param: dict[str, str] | None = None


def _a(value: object) -> str:
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def poll_targets(
    action_type_id: object, query_param: object, *, partner: bool
) -> tuple[PollTarget, ...]:
    """The checked poll targets of a worker.

    Raises:
        TypeError: `action_type_id` is neither an `ActionTypeId` nor a list of them.
        ValueError: The list is empty, names a type twice, or `query_param` is keyed by a
            type the worker does not work for.
        NotCustomActionError: A custom worker's type is not owned by ``Custom``.
        NotThirdPartyActionError: A partner worker's type is not owned by ``ThirdParty``.
        ValidationError: A query parameter breaks the API's rules.
    """
    if isinstance(action_type_id, ActionTypeId):
        types: tuple[ActionTypeId, ...] = (action_type_id,)
    elif isinstance(action_type_id, Sequence) and not isinstance(action_type_id, (str, bytes)):
        items: Sequence[object] = action_type_id  # pyright: ignore[reportUnknownVariableType]
        for index, item in enumerate(items):
            if not isinstance(item, ActionTypeId):
                message = f"action_type_id[{index}] must be an ActionTypeId, not {_a(item)}"
                raise TypeError(message)
        types = tuple(item for item in items if isinstance(item, ActionTypeId))
        if not types:
            message = "action_type_id must name at least one action type"
            raise ValueError(message)
        if len(set(types)) != len(types):
            message = "action_type_id names the same action type twice"
            raise ValueError(message)
    else:
        message = (
            f"action_type_id must be an ActionTypeId, not {_a(action_type_id)}: "
            "ActionTypeId(category=..., owner=..., provider=..., version=...), or a list of them"
        )
        raise TypeError(message)
    per_type = _per_type(query_param, types)
    targets: list[PollTarget] = []
    for ati in types:
        if partner:
            validate_third_party_owner(ati)
            targets.append(PollTarget(ati))
            continue
        validate_custom_owner(ati)
        query = per_type.get(ati)
        validate_query_param(query)
        targets.append(PollTarget(ati, dict(query) if query is not None else None))
    return tuple(targets)


def _per_type(
    query_param: object, types: tuple[ActionTypeId, ...]
) -> dict[ActionTypeId, Mapping[str, str] | None]:
    if query_param is None:
        return {}
    if not isinstance(query_param, Mapping):
        return dict.fromkeys(types, query_param)  # type: ignore[arg-type]  # validated by the caller
    mapping: Mapping[object, object] = query_param  # pyright: ignore[reportUnknownVariableType]
    if not any(isinstance(key, ActionTypeId) for key in mapping):
        one = cast("Mapping[str, str]", mapping)  # validated by the caller
        return dict.fromkeys(types, one)
    found: dict[ActionTypeId, Mapping[str, str] | None] = {}
    for key, value in mapping.items():
        if not isinstance(key, ActionTypeId) or key not in types:
            message = f"query_param names an action type the worker does not work for: {key!r}"
            raise ValueError(message)
        found[key] = value  # type: ignore[assignment]  # validated by the caller
    return found


class Rotation:
    """Whose turn it is to be polled, and whether an empty poll ends a round of empty polls.

    Not thread-safe: the threaded worker calls it under its lock, the asyncio worker from its loop.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._next = 0
        self._empty_in_a_row = 0

    def next(self) -> int:
        """The index of the action type to poll now (each in turn)."""
        index = self._next
        self._next = (index + 1) % self.count
        return index

    def polled(self, received: int) -> bool:
        """A poll returned `received` jobs; whether to back off now (a whole round came back empty)."""
        if received:
            self._empty_in_a_row = 0
            return False
        self._empty_in_a_row += 1
        if self._empty_in_a_row >= self.count:
            self._empty_in_a_row = 0
            return True
        return False

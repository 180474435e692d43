"""Replies to operations without output must be empty or a JSON object.

botocore reads a reply against its operation's output shape. The reports
(PutJobSuccessResult, PutJobFailureResult and their partner twins) have none,
so botocore never looks at their body: a 200 from something that is not the
service - a proxy's HTML page - passes for success while nothing landed.

`install` registers a hook on a client's ``after-call`` event (emitted by
botocore and aiobotocore clients alike, by every botocore version this library
supports, after the reply is read and before it is returned) that looks at the
raw body of every successful reply to such an operation and raises
`MalformedResponseError` unless it is empty or a JSON object. The worker
retries that error like a lost reply. Replies a test double supplies without
a raw body (botocore's ``Stubber``) are left alone.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from typing import TYPE_CHECKING, Any

from ._errors import MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Awaitable

__all__ = ["check_body", "check_void_reply", "install"]

_EVENT = "after-call.codepipeline"
_UNIQUE_ID = "codepipeline-jobs-void-replies"

#: Event systems the hook is registered on (registering again is harmless, only slower).
_installed: weakref.WeakSet[Any] = weakref.WeakSet()


def install(client: object) -> None:
    """Register the hook on `client`'s event system, once (a client without one is left alone)."""
    events: Any = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    try:
        if events in _installed:
            return
    except TypeError:  # not hashable: register every time, botocore's unique id keeps it single
        pass
    register = getattr(events, "register", None)
    if not callable(register):
        return
    register(_EVENT, check_void_reply, unique_id=_UNIQUE_ID)
    with contextlib.suppress(TypeError):  # not weak-referenceable: registered again next time
        _installed.add(events)


def check_void_reply(
    http_response: Any = None, model: Any = None, **_: Any
) -> Awaitable[None] | None:
    """The ``after-call`` hook: refuse a successful reply to a void operation with a garbage body.

    For an aiobotocore reply the body is read by awaiting, so the check is
    returned as a coroutine, which aiobotocore's event system awaits.

    Raises:
        MalformedResponseError: The reply's body is neither empty nor a JSON object.
    """
    if model is None or http_response is None or getattr(model, "output_shape", None) is not None:
        return None
    status = getattr(http_response, "status_code", None)
    if not isinstance(status, int) or status >= 300 or getattr(http_response, "raw", None) is None:
        return None  # errors are botocore's; no raw body: a stubbed reply
    operation = str(getattr(model, "name", "the"))
    content_type = _content_type(http_response)
    content: Any = http_response.content
    if isinstance(content, (bytes, bytearray)):
        check_body(operation, bytes(content), content_type)
        return None
    return _check_awaited(operation, content, content_type)


async def _check_awaited(operation: str, content: Awaitable[bytes], content_type: str) -> None:
    check_body(operation, await content, content_type)


def _content_type(http_response: Any) -> str:
    headers: Any = getattr(http_response, "headers", None)
    try:
        value = headers.get("Content-Type") if headers is not None else None
    except Exception:  # noqa: BLE001 - a header we cannot read is just not named
        value = None
    return value if isinstance(value, str) else ""


def check_body(operation: str, body: bytes, content_type: str = "") -> None:
    """Raise `MalformedResponseError` unless `body` is empty (or blank) or a JSON object.

    The message names the operation, the content type and the size of the body;
    never the body itself.
    """
    if not body.strip():
        return
    try:
        document: object = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8 (a ValueError too), absurdly deep
        document = None
    if isinstance(document, dict):
        return
    kind = f"{content_type[:60]}, " if content_type else ""
    raise MalformedResponseError(
        "",
        f"the {operation} reply is neither empty nor a JSON object ({kind}{len(body)} bytes): "
        "it did not come from CodePipeline, so the request may not have been applied",
    )

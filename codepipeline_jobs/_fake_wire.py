"""The wire side of the fake CodePipeline: requests in, botocore responses out.

Private to `codepipeline_jobs.testing`. Requests arrive as botocore's prepared
requests (JSON 1.1, ``X-Amz-Target: CodePipeline_20150709.<Operation>``);
replies leave as `AWSResponse` objects with a JSON body, so botocore's own
parser, error handling and retry logic run on them exactly as on a reply from
AWS. The hooks into botocore's clients live here too: keeping moto's stubber
away from a served client, and catching the clients created inside
``FakeCodePipeline.serve_new_clients()``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, cast

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.client import BaseClient

from ._rules import default_service_model

__all__ = [
    "ServiceError",
    "decode_request",
    "error_response",
    "json_response",
    "leave_moto_out",
    "malformed_response",
    "new_clients_served",
]

_TARGET_PREFIX = "CodePipeline_20150709."
_JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

#: What a load balancer or proxy in the way might answer with a 200.
MALFORMED_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1></body></html>"
)


class ServiceError(Exception):
    """An error reply of the service: an HTTP status, an error code and a message.

    The message must never carry a secret: it is sent to the client and shows
    up in botocore's ``ClientError``.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if value is not None else ""


def _timestamps_to_datetimes(shape: Any, value: Any) -> Any:
    """Turn the JSON protocol's epoch-second timestamps back into the `datetime` boto3 takes."""
    kind = shape.type_name
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _dt.datetime.fromtimestamp(value, tz=_dt.timezone.utc)
    if kind == "structure" and isinstance(value, Mapping):
        members: Mapping[str, Any] = shape.members
        items = cast("Mapping[str, Any]", value)
        return {
            key: _timestamps_to_datetimes(members[key], item) if key in members else item
            for key, item in items.items()
        }
    if kind == "list" and isinstance(value, list):
        elements: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        return [_timestamps_to_datetimes(shape.member, item) for item in elements]
    if kind == "map" and isinstance(value, Mapping):
        pairs = cast("Mapping[str, Any]", value)
        return {key: _timestamps_to_datetimes(shape.value, item) for key, item in pairs.items()}
    return value


def decode_request(headers: Any, body: object) -> tuple[str, dict[str, Any]]:
    """Read the operation name and its parameters (as boto3 takes them) from a request.

    Raises:
        ServiceError: The target is not a CodePipeline operation, or the body is not a JSON object.
    """
    target = _text(headers.get("X-Amz-Target"))
    if not target.startswith(_TARGET_PREFIX):
        raise ServiceError("UnknownOperationException", "the request names no CodePipeline operation")
    operation = target[len(_TARGET_PREFIX) :]
    try:
        params: object = json.loads(_text(body) or "{}")
    except ValueError:
        raise ServiceError("SerializationException", "the request body is not valid JSON") from None
    if not isinstance(params, dict):
        raise ServiceError("SerializationException", "the request body is not a JSON object")
    model: Any = default_service_model()
    if operation not in model.operation_names:
        raise ServiceError("UnknownOperationException", f"unknown operation {operation[:80]!r}")
    shape = model.operation_model(operation).input_shape
    return operation, cast("dict[str, Any]", _timestamps_to_datetimes(shape, params))


class _RawBody:
    """The raw-response object `AWSResponse` (sync) and aiobotocore's response (async) read."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        """The body in one piece, for botocore."""
        yield self._body

    async def read(self) -> bytes:
        """The body, for aiobotocore."""
        return self._body


def _json_default(value: object) -> object:
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    msg = f"cannot serialise a {type(value).__name__}"
    raise TypeError(msg)


def _response(
    url: str, status: int, body: bytes, request_id: str, *, content_type: str, asynchronous: bool
) -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = content_type
    headers["x-amzn-RequestId"] = request_id
    headers["Content-Length"] = str(len(body))
    response_class: type[AWSResponse] = AWSResponse
    if asynchronous:
        from aiobotocore.awsrequest import (  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
            AioAWSResponse,  # pyright: ignore[reportUnknownVariableType]
        )

        response_class = cast("type[AWSResponse]", AioAWSResponse)
    return response_class(url, status, headers, _RawBody(body))


def json_response(
    url: str, document: Mapping[str, Any], request_id: str, *, asynchronous: bool
) -> AWSResponse:
    """A 200 reply with a JSON body."""
    body = json.dumps(document, default=_json_default).encode()
    return _response(
        url, 200, body, request_id, content_type=_JSON_CONTENT_TYPE, asynchronous=asynchronous
    )


def error_response(
    url: str, error: ServiceError, request_id: str, *, asynchronous: bool
) -> AWSResponse:
    """An error reply in the JSON protocol's form: ``{"__type": ..., "message": ...}``."""
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    return _response(
        url, error.status, body, request_id, content_type=_JSON_CONTENT_TYPE, asynchronous=asynchronous
    )


def malformed_response(url: str, request_id: str, *, asynchronous: bool) -> AWSResponse:
    """A 200 reply whose body is an HTML page, not JSON."""
    return _response(
        url, 200, MALFORMED_BODY, request_id, content_type="text/html", asynchronous=asynchronous
    )


# --- hooking into clients -------------------------------------------------------------------

#: Where moto keeps the one botocore handler that answers for every mocked service.
_MOTO_MODULE = "moto.core.models"


def leave_moto_out(events: Any) -> None:
    """Keep moto's botocore stubber away from the requests of one client (a no-op without moto).

    botocore calls *every* ``before-send`` handler of a client, even after one has
    answered, and moto registers its stubber for all services on botocore's
    built-in handlers: inside ``mock_aws()`` it would take the fake's requests as
    its own and raise ``NotImplementedError`` for the job operations. Only the
    client the fake serves loses the stubber; every other client stays moto's.
    """
    models = sys.modules.get(_MOTO_MODULE)
    stubber: object = getattr(models, "botocore_stubber", None)
    if stubber is not None:
        # botocore's trie raises AttributeError when the node exists without handlers
        # of its own (this client never had the stubber): nothing to take off then.
        with contextlib.suppress(AttributeError, ValueError):
            events.unregister("before-send", stubber)


_serving_lock = threading.Lock()
#: The ``attach`` of each fake serving new clients, innermost last.
_serving: list[Callable[[Any], None]] = []
_unpatched_init: Callable[..., None] | None = None


def _init_and_serve(self: Any, *args: Any, **kwargs: Any) -> None:
    assert _unpatched_init is not None
    _unpatched_init(self, *args, **kwargs)
    with _serving_lock:
        attach = _serving[-1] if _serving else None
    if attach is not None and self.meta.service_model.service_name == "codepipeline":
        attach(self)


@contextlib.contextmanager
def new_clients_served(attach: Callable[[Any], None]) -> Generator[None]:
    """Hand every botocore client created while the block runs, in any thread, to `attach`.

    Every client of every session is made by ``BaseClient.__init__`` (aiobotocore's
    clients too), so that is where new clients are caught; the original is back
    once the last block ends. Blocks nest: the innermost one gets the clients.
    """
    global _unpatched_init  # noqa: PLW0603 - one patch for the whole process
    with _serving_lock:
        if not _serving:
            _unpatched_init = BaseClient.__init__
            setattr(BaseClient, "__init__", functools.wraps(_unpatched_init)(_init_and_serve))  # noqa: B010
        _serving.append(attach)
    try:
        yield
    finally:
        with _serving_lock:
            # The last registration of this attach: blocks may end out of order across threads.
            del _serving[len(_serving) - 1 - _serving[::-1].index(attach)]
            if not _serving and _unpatched_init is not None:
                setattr(BaseClient, "__init__", _unpatched_init)  # noqa: B010
                _unpatched_init = None

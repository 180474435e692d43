"""A fake CodePipeline job service, for testing job workers offline.

`FakeCodePipeline` plugs into a **real** boto3 CodePipeline client through
botocore's ``before-send`` event: every request is validated, serialised and
signed by botocore, then answered by the fake instead of AWS, and every reply
(errors included) is parsed by botocore's own JSON parser. Your worker runs
exactly the code it runs in production; only the network is gone.

Example:
    ```python
    from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, JobStatus
    from codepipeline_jobs import acknowledge_job, poll_for_jobs, put_job_success_result
    from codepipeline_jobs.testing import FakeCodePipeline

    action = ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
    )
    fake = FakeCodePipeline()
    job_id = fake.add_job(action, configuration={"Target": "prod"})

    client = fake.client()
    [job] = poll_for_jobs(client, action)
    assert acknowledge_job(client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
    put_job_success_result(client, job.id)
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    ```

What it serves, and how it behaves:

- PollForJobs / PollForThirdPartyJobs hand out queued jobs of the action type
  (PollForJobs also filters by ``queryParam`` against the job's configuration),
  at most ``maxBatchSize`` (default 1), oldest first. A handed-out job is
  ``Dispatched`` and never handed out again.
- AcknowledgeJob with the job's nonce moves it to ``InProgress``. The caller
  that acknowledged it (one client in one thread or asyncio task) may
  acknowledge again - a retried request - and gets ``InProgress`` again; any
  other caller gets InvalidNonceException, so of workers racing for one job
  exactly one wins. A wrong nonce is InvalidNonceException.
- PutJobSuccessResult / PutJobFailureResult are accepted once, on an
  ``InProgress`` job; any other report is InvalidJobStateException. A success
  with a continuation token completes the job and queues a follow-up job
  carrying the token. Output variables over the 122,880-byte quota are
  OutputVariablesSizeExceededException.
- GetJobDetails and the polls issue fresh artifact credentials on every call.
- Partner (``ThirdParty``) jobs need the client token of their client id
  (`FakeCodePipeline.client_token`); a wrong one is InvalidClientTokenException.
- GetPipelineExecution knows one execution per added job (continuations share it).
- Every request is checked with the library's own request rules; a request
  that breaks one gets ValidationException, as from AWS.
- With ``job_timeout``, a job not reported within that many seconds of being
  queued is ``TimedOut`` from then on.
- Custom action types: CreateCustomActionType, DeleteCustomActionType and
  ListActionTypes (paginated, ``action_types_page_size`` per page; a bad
  ``nextToken`` is InvalidNextTokenException) keep the registered types
  (ListActionTypes lists those only, none of AWS's own);
  `FakeCodePipeline.register_action_type` registers one without a request.
  A changed definition under a registered or deleted version is
  ValidationException, the 51st type LimitExceededException. Strictness
  (``strict_action_types``): once a custom type is registered (or always, with
  ``True``; never, with ``False``), PollForJobs for a custom type that is not
  registered is ActionTypeNotFoundException, as from the service; a
  ``queryParam`` key other than the type's queryable property is
  ValidationException; and `FakeCodePipeline.add_job` refuses a job of an
  unregistered type, or one whose configuration lacks a required property,
  has an undeclared one, a value outside 1-1000 characters, or a queryable
  value that is not 1-20 of ``[A-Za-z0-9_-]``. Tests that never register a
  type see none of this.
- Lambda invoke actions: a job added with `LAMBDA_INVOKE` is never polled;
  `FakeCodePipeline.lambda_event` invokes it (it moves to ``InProgress``, as
  CodePipeline's invoke does, with no acknowledge) and returns the event the
  function gets; its reports arrive through the same calls as a custom job's.

It works inside moto's ``mock_aws()`` as it does outside (moto keeps serving
S3, KMS and the rest), and `FakeCodePipeline.serve_new_clients` serves the
clients that the code under test creates itself, such as a module-level
``job_handler``'s. Its pytest fixtures (``fake_codepipeline``,
``codepipeline_client``, ``fake_aws_env``) come with the package: see
`codepipeline_jobs.pytest_plugin`.

Faults (`Faults`) are drawn from a random generator seeded with ``seed``, so a
failing test fails the same way every time; `FakeCodePipeline.inject_fault`
injects one exactly where a test needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs
from botocore.exceptions import ConnectionClosedError

from ._action_types import params_of
from ._configuration import CustomAction
from ._errors import OutputVariablesTooLargeError, ValidationError
from ._fake_service import LAMBDA_INVOKE, FakeJob, FakeReport, JobBook
from ._fake_wire import (
    ServiceError,
    decode_request,
    error_response,
    json_response,
    leave_moto_out,
    malformed_response,
    new_clients_served,
)
from ._rules import validate_request

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence

    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from mypy_boto3_codepipeline import CodePipelineClient
    from types_aiobotocore_codepipeline import CodePipelineClient as AioCodePipelineClient

    from ._action_type_models import ActionType
    from ._models import ActionTypeId, Artifact, EncryptionKey

__all__ = ["LAMBDA_INVOKE", "FakeCodePipeline", "FakeJob", "FakeReport", "FaultKind", "Faults"]

FaultKind: TypeAlias = Literal["throttle", "lost_reply", "malformed"]
"""A fault `FakeCodePipeline.inject_fault` can inject: the kinds `Faults` draws at random."""


def _is_rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        msg = f"{attribute.name} must be between 0 and 1, got {value!r}"
        raise ValueError(msg)


def _is_non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        msg = f"{attribute.name} must be at least 0, got {value!r}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Faults:
    """Faults the fake injects, each drawn per request from the fake's seeded generator.

    For every request the fake draws three numbers, one per rate, so a given
    seed gives the same faults on the same sequence of requests.

    Example:
        ```python
        fake.faults = Faults(throttle_rate=0.2, lost_reply_rate=0.1)
        ```
    """

    throttle_rate: float = attrs.field(default=0.0, validator=_is_rate)
    """Share of requests refused with ThrottlingException (HTTP 400), not applied.
    botocore retries them (3 attempts in all in its standard mode)."""
    lost_reply_rate: float = attrs.field(default=0.0, validator=_is_rate)
    """Share of requests that are applied, after which the connection fails
    (botocore's ``ConnectionClosedError``). botocore retries them, so a lost
    reply to a report makes the retried report meet InvalidJobStateException."""
    latency: float = attrs.field(default=0.0, validator=_is_non_negative)
    """Seconds every request takes before it is served."""
    malformed_rate: float = attrs.field(default=0.0, validator=_is_rate)
    """Share of requests answered with a 200 and an HTML body, not applied
    (as when a proxy in the way answers instead of the service)."""


def _forget_lambda_client() -> None:
    """Drop the CodePipeline client `codepipeline_jobs.aws_lambda` keeps per container, if any.

    `job_handler` without ``client=`` creates its client once and keeps it; dropped,
    the next report creates a new one - inside `FakeCodePipeline.serve_new_clients`,
    one the fake serves.
    """
    module: Any = sys.modules.get(f"{__package__}.aws_lambda")
    if module is not None:
        module._container_client.cache_clear()  # the package's own cache


def _caller() -> object:
    """Who is calling: this thread, and the asyncio task if one is running."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return (threading.get_ident(), id(task) if task is not None else None)


class FakeCodePipeline:
    """An in-memory CodePipeline job service, served through real boto3 clients.

    One fake serves any number of clients and threads; all its state is
    guarded by one lock.

    Args:
        region: The region of the clients `client` makes and of pipeline ARNs.
        account_id: The account the pipelines belong to.
        seed: Seeds the generators of faults and of ids, nonces and credentials.
        faults: Faults to inject; none by default. Settable at any time.
        job_timeout: Seconds after which a job that was queued and not
            reported is ``TimedOut``; never by default.
        strict_action_types: Check polls and added jobs against the
            registered custom action types: ``None`` (the default) once one is
            registered, ``True`` always, ``False`` never.
        action_types_page_size: How many action types one ListActionTypes
            page holds.
        clock: The monotonic clock `job_timeout` is measured with (a test may
            pass its own to move time forward without sleeping).

    Example:
        ```python
        fake = FakeCodePipeline(seed=7, faults=Faults(throttle_rate=0.1))
        client = fake.client()
        ```
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        seed: int = 0,
        faults: Faults | None = None,
        job_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        strict_action_types: bool | None = None,
        action_types_page_size: int = 10,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self._lock = threading.RLock()
        self._fault_random = random.Random(seed)  # noqa: S311 - reproducible faults, not security
        self._faults = faults if faults is not None else Faults()
        if action_types_page_size < 1:
            msg = f"action_types_page_size must be at least 1, got {action_types_page_size}"
            raise ValueError(msg)
        self._book = JobBook(
            region=region,
            account_id=account_id,
            seed=seed,
            job_timeout=job_timeout,
            clock=clock,
            strict_action_types=strict_action_types,
            action_types_page_size=action_types_page_size,
        )
        self._calls: list[str] = []
        self._scripted: list[tuple[str, FaultKind]] = []
        self._attached = 0
        self._served = 0

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"FakeCodePipeline(region={self.region!r}, account_id={self.account_id!r}, "
                f"jobs={len(self._book.jobs())}, calls={len(self._calls)}, faults={self._faults!r})"
            )

    # --- setting up -----------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults injected from now on."""
        with self._lock:
            return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    def client(self, **kwargs: Any) -> CodePipelineClient:
        """A real boto3 CodePipeline client served by this fake.

        It has fake credentials and the fake's region unless `kwargs` say
        otherwise; `kwargs` are passed to ``boto3.client``.
        """
        import boto3  # noqa: PLC0415 - only when a client is asked for

        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("aws_access_key_id", "testing")
        kwargs.setdefault("aws_secret_access_key", "testing")
        kwargs.setdefault("aws_session_token", "testing")
        client: CodePipelineClient = boto3.client(  # pyright: ignore[reportUnknownMemberType] - stubs overload every service
            "codepipeline", **kwargs
        )
        self.attach(client)
        return client

    @contextlib.asynccontextmanager
    async def aio_client(self, **kwargs: Any) -> AsyncGenerator[AioCodePipelineClient]:
        """A real aiobotocore CodePipeline client served by this fake, open for the ``async with``.

        Needs the ``aio`` extra. It has fake credentials and the fake's region
        unless `kwargs` say otherwise; `kwargs` are passed to aiobotocore's
        ``create_client``.

        Example:
            ```python
            async with fake.aio_client() as client:
                jobs = await aio.poll_for_jobs(client, action)
            ```
        """
        from aiobotocore.session import (  # pyright: ignore[reportMissingTypeStubs]  # noqa: PLC0415 - optional
            get_session,  # pyright: ignore[reportUnknownVariableType]
        )

        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("aws_access_key_id", "testing")
        kwargs.setdefault("aws_secret_access_key", "testing")
        kwargs.setdefault("aws_session_token", "testing")
        session: Any = get_session()  # typed only with the types-aiobotocore packages
        async with session.create_client("codepipeline", **kwargs) as client:
            self.attach(client)
            served: AioCodePipelineClient = client
            yield served

    def attach(self, client: object) -> None:
        """Serve every request of a boto3 (or aiobotocore) CodePipeline client from now on.

        Attaching the same client again does nothing. Inside moto's
        ``mock_aws()`` (entered before or after), the client's requests are the
        fake's alone: moto's handler is taken off this client, and every other
        client stays moto's.

        Raises:
            ValueError: The client is not a CodePipeline client.
        """
        meta: Any = getattr(client, "meta", None)
        if meta is None or meta.service_model.service_name != "codepipeline":
            msg = "FakeCodePipeline can only serve a CodePipeline client"
            raise ValueError(msg)
        asynchronous = any(cls.__module__.startswith("aiobotocore") for cls in type(client).__mro__)
        with self._lock:
            self._attached += 1
            client_key = self._attached

        def serve(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
            return self._serve(request, (client_key, _caller()), asynchronous=False)

        async def serve_async(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
            latency = self.faults.latency
            if latency:
                await asyncio.sleep(latency)
            return self._serve(request, (client_key, _caller()), asynchronous=True, sleep=False)

        handler: Any = serve_async if asynchronous else serve
        meta.events.register(
            "before-send.codepipeline", handler, unique_id=f"codepipeline-jobs-fake-{id(self)}"
        )
        leave_moto_out(meta.events)

    @contextlib.contextmanager
    def serve_new_clients(self) -> Generator[None]:
        """Serve every CodePipeline client created while the block runs, however it is created.

        For code that makes its own client: a module-level
        ``handler = job_handler(fn)``, ``boto3.client("codepipeline")`` in the
        default session or in a new `boto3.session.Session`, aiobotocore
        clients, in any thread. Each is `attach`-ed as it is created and stays
        served after the block. Clients created before the block are not
        touched (attach those), with one exception: the client `job_handler`
        keeps per Lambda container is dropped when the block starts and when it
        ends, so that inside it the decorator creates one the fake serves, and
        none of the fake's leaks out of it.

        Clients of other services (S3, KMS, ...) are left alone, so moto's
        ``mock_aws()`` goes on serving them. The clients need a region and
        credentials of some kind, as any boto3 client does: the pytest plugin's
        ``fake_aws_env`` fixture (which ``fake_codepipeline`` uses) sets fake ones.
        Blocks nest; the innermost fake gets the new clients.

        Example:
            ```python
            from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
            import boto3

            fake = FakeCodePipeline()
            with fake.serve_new_clients():
                client = boto3.client(
                    "codepipeline", region_name="us-east-1",
                    aws_access_key_id="testing", aws_secret_access_key="testing",
                )
                assert client.poll_for_jobs(actionTypeId={
                    "category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"
                })["jobs"] == []
            ```
        """
        _forget_lambda_client()
        try:
            with new_clients_served(self.attach):
                yield
        finally:
            _forget_lambda_client()

    def add_job(
        self,
        action_type_id: ActionTypeId | CustomAction[Any],
        *,
        configuration: Mapping[str, str] | None = None,
        input_artifacts: Sequence[Artifact] = (),
        output_artifacts: Sequence[Artifact] = (),
        encryption_key: EncryptionKey | None = None,
        pipeline_name: str = "my-pipeline",
        stage_name: str = "Build",
        action_name: str = "MyAction",
        continuation_token: str | None = None,
        pipeline_execution_id: str | None = None,
    ) -> str:
        """Queue a job, as CodePipeline does when a pipeline reaches the action.

        An action type with owner ``ThirdParty`` makes a partner job, served by
        the third-party operations; its client id is ``fake.job(job_id).client_id``.
        `LAMBDA_INVOKE` (category ``Invoke``, owner ``AWS``, provider ``Lambda``)
        makes a Lambda invoke job: never polled, started by `lambda_event`; its
        configuration must name the function (``FunctionName``), as CodePipeline's does.

        Args:
            action_type_id: The job's action type (owner ``Custom`` or
                ``ThirdParty``, or `LAMBDA_INVOKE`), or the `CustomAction` that
                declares it.
            configuration: The action's configuration properties.
            input_artifacts: The artifacts the action reads.
            output_artifacts: The artifacts the action writes.
            encryption_key: The key artifacts are encrypted with.
            pipeline_name: The pipeline the job belongs to.
            stage_name: Its stage.
            action_name: Its action.
            continuation_token: Makes the job a continuation of earlier work.
            pipeline_execution_id: The pipeline execution it is part of; a new
                one by default.

        Returns:
            The job's id.

        Raises:
            ValueError: The action type's owner is neither ``Custom`` nor
                ``ThirdParty`` and it is not `LAMBDA_INVOKE`, or a Lambda invoke
                job has no ``FunctionName`` in its configuration.
        """
        if isinstance(action_type_id, CustomAction):
            action_type_id = action_type_id.action_type_id
        with self._lock:
            return self._book.add_job(
                action_type_id,
                configuration=configuration,
                input_artifacts=input_artifacts,
                output_artifacts=output_artifacts,
                encryption_key=encryption_key,
                pipeline_name=pipeline_name,
                stage_name=stage_name,
                action_name=action_name,
                continuation_token=continuation_token,
                pipeline_execution_id=pipeline_execution_id,
            )

    def register_action_type(self, action_type: ActionType | CustomAction[Any]) -> None:
        """Register a custom action type, as CreateCustomActionType would, without a request.

        For tests whose code under test polls for a type registered beforehand;
        it makes the fake strict (see ``strict_action_types``). Nothing is
        recorded in `calls`.

        Raises:
            ValidationError: The definition breaks a rule of CreateCustomActionType.
            ValueError: The type is registered with another definition, or was
                deleted with another one.
        """
        declared = action_type.action_type if isinstance(action_type, CustomAction) else action_type
        params = params_of(declared)
        validate_request("CreateCustomActionType", params)
        with self._lock:
            try:
                self._book.action_types.register(params)
            except ServiceError as refused:
                raise ValueError(refused.message) from None

    def action_types(self) -> list[ActionType]:
        """The custom action types registered now, in the order they were registered."""
        with self._lock:
            return self._book.action_types.action_types()

    def action_type_tags(self, action_type_id: ActionTypeId) -> dict[str, str]:
        """The tags a registered custom action type was created with.

        Raises:
            KeyError: The type is not registered.
        """
        with self._lock:
            return self._book.action_types.tags(action_type_id)

    def inject_fault(self, operation: str, fault: FaultKind, *, times: int = 1) -> None:
        """Inject a fault into the next `times` requests of one operation, whatever the rates.

        Scripted faults make a test exact where a rate would make it a matter
        of luck: ``fake.inject_fault("PutJobSuccessResult", "lost_reply")``
        loses the reply of the next report only, so botocore's retry of it
        meets InvalidJobStateException.

        Args:
            operation: The API's operation name, e.g. ``"PollForJobs"``.
            fault: ``"throttle"``, ``"lost_reply"`` or ``"malformed"``, as in `Faults`.
            times: How many requests of the operation get the fault.

        Raises:
            ValueError: `fault` is not one of those three.
        """
        if fault not in ("throttle", "lost_reply", "malformed"):
            msg = f"fault must be 'throttle', 'lost_reply' or 'malformed', got {fault!r}"
            raise ValueError(msg)
        with self._lock:
            self._scripted.extend((operation, fault) for _ in range(times))

    def lambda_event(self, job_id: str) -> dict[str, Any]:
        """Invoke a job's function, as CodePipeline does: the event the Lambda handler gets.

        The event is ``{"CodePipeline.job": {"id", "accountId", "data"}}``, with
        the quirks of real events: ``data`` has the action's configuration
        (``FunctionName``, ``UserParameters``), the input and output artifacts
        (an absent revision as JSON ``null``), fresh ``artifactCredentials``
        with ``expirationTime`` in epoch milliseconds, and the
        ``continuationToken`` and ``encryptionKey`` when the job has them; no
        nonce, no action type, no pipeline context. `job_from_event` reads it
        back as ``Job(id=..., account_id=..., data=...)`` with the data of
        ``fake.job(job_id)`` minus ``action_type_id`` and ``pipeline_context``.

        A queued `LAMBDA_INVOKE` job moves to ``InProgress`` (the invoke takes
        the place of poll and acknowledge), so the function's report is
        accepted; so is a continuation's follow-up job when it is invoked in
        turn. A custom job must have been polled and acknowledged first. A job
        already reported can be invoked again, as Lambda retries an invoke: the
        second report meets ``InvalidJobStateException``.

        Raises:
            KeyError: No job has this id.
            ValueError: It is a partner job, or a custom job not acknowledged yet.

        Example:
            ```python
            from codepipeline_jobs import JobStatus
            from codepipeline_jobs.aws_lambda import job_from_event
            from codepipeline_jobs.testing import LAMBDA_INVOKE

            fake = FakeCodePipeline()
            job_id = fake.add_job(LAMBDA_INVOKE, configuration={"FunctionName": "deploy"})
            event = fake.lambda_event(job_id)
            assert job_from_event(event).id == job_id
            assert fake.job(job_id).status == JobStatus.IN_PROGRESS
            ```
        """
        now_ms = int(time.time() * 1000)
        with self._lock:
            return self._book.lambda_event(job_id, now_ms)

    # --- inspecting -----------------------------------------------------------------------

    def client_token(self, client_id: str) -> str:
        """The client token the fake expects with the jobs of a partner client id.

        Raises:
            KeyError: The fake has no partner job with this client id.
        """
        with self._lock:
            return self._book.client_token(client_id)

    def job(self, job_id: str) -> FakeJob:
        """A snapshot of a job.

        Raises:
            KeyError: No job has this id.
        """
        with self._lock:
            return self._book.job(job_id)

    def jobs(self) -> list[FakeJob]:
        """Snapshots of all jobs, in the order they were queued."""
        with self._lock:
            return self._book.jobs()

    @property
    def calls(self) -> list[str]:
        """The operation of every request the fake received, in order (a copy).

        Requests refused by an injected fault are listed too, so a retried
        request shows up once per attempt.
        """
        with self._lock:
            return list(self._calls)

    # --- serving --------------------------------------------------------------------------

    def _serve(
        self, request: AWSPreparedRequest, caller: object, *, asynchronous: bool, sleep: bool = True
    ) -> AWSResponse:
        url: str = request.url or ""
        try:
            operation, params = decode_request(request.headers, request.body)
        except ServiceError as refused:
            with self._lock:
                request_id = self._request_id()
            return error_response(url, refused, request_id, asynchronous=asynchronous)
        with self._lock:
            self._calls.append(operation)
            faults = self._faults
            throttled = self._fault_random.random() < faults.throttle_rate
            lost = self._fault_random.random() < faults.lost_reply_rate
            malformed = self._fault_random.random() < faults.malformed_rate
            scripted = self._take_scripted_fault(operation)
            throttled = throttled or scripted == "throttle"
            lost = lost or scripted == "lost_reply"
            malformed = malformed or scripted == "malformed"
            request_id = self._request_id()
        if sleep and faults.latency:
            time.sleep(faults.latency)
        if throttled:
            throttling = ServiceError("ThrottlingException", "Rate exceeded")
            return error_response(url, throttling, request_id, asynchronous=asynchronous)
        if malformed:
            return malformed_response(url, request_id, asynchronous=asynchronous)
        try:
            document = self._apply(operation, params, caller)
        except ServiceError as error:
            response = error_response(url, error, request_id, asynchronous=asynchronous)
        else:
            response = json_response(url, document, request_id, asynchronous=asynchronous)
        if lost:
            raise ConnectionClosedError(endpoint_url=url)
        return response

    def _apply(self, operation: str, params: dict[str, Any], caller: object) -> dict[str, Any]:
        try:
            validate_request(operation, params)
        except ValidationError as error:
            if isinstance(error, OutputVariablesTooLargeError):
                raise ServiceError("OutputVariablesSizeExceededException", str(error)) from None
            raise ServiceError("ValidationException", str(error)) from None
        with self._lock:
            return self._book.serve(operation, params, caller)

    def _take_scripted_fault(self, operation: str) -> FaultKind | None:
        for index, (scripted_operation, fault) in enumerate(self._scripted):
            if scripted_operation == operation:
                del self._scripted[index]
                return fault
        return None

    def _request_id(self) -> str:
        self._served += 1
        return f"fake-{self._served:08d}"


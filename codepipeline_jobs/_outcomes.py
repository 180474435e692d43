"""What a job handler returns.

A handler (for `JobWorker`, `ThirdPartyJobWorker`, the Lambda decorator or
the async worker) returns `Success`, `Continuation`, `Failure` or ``None``
(which means `Success`). The outcomes are plain values: which call reports
one is decided in one place, `codepipeline_jobs._worker_core.report_call`,
so every runtime reports the same way (and a Lambda function that only
builds a `Success` does not load the calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import attrs

from ._models import CurrentRevision, ExecutionDetails, FailureDetails, model_methods
from ._values import FailureType, FailureTypeName, mark_read_converters, to_value_set

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Continuation", "Failure", "Outcome", "Success"]


# A `FailureType` or its plain string, as in `codepipeline_jobs._models`.
def _failure_type(value: FailureType | FailureTypeName) -> FailureType:
    return to_value_set(FailureType, value, "Failure.type")


mark_read_converters(_failure_type)


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Success:
    """The job succeeded: reported with PutJobSuccessResult.

    Example:
        ```python
        return Success(output_variables={"imageTag": "1.4.2"})
        ```
    """

    current_revision: CurrentRevision | None = None
    """The revision a source action produced."""
    execution_details: ExecutionDetails | None = None
    """A summary, an external id and percent complete."""
    output_variables: Mapping[str, str] | None = None
    """Variables for later actions (at most 122,880 bytes together)."""


@model_methods
@attrs.frozen(repr=False, eq=False)
class Continuation:
    """The work goes on: report success with a continuation token.

    CodePipeline completes this job and creates a new one whose
    ``data.continuation_token`` is `continuation_token`, so the handler can
    pick up where it left off. Output variables are only allowed on the final
    `Success`.

    Example:
        ```python
        if not build_finished(build_id):
            return Continuation(build_id, ExecutionDetails(percent_complete=40))
        ```
    """

    continuation_token: str
    """The token the next job carries (1-2048 characters)."""
    execution_details: ExecutionDetails | None = None
    """Progress so far."""


@model_methods
@attrs.frozen(repr=False, eq=False)
class Failure:
    """The job failed: reported with PutJobFailureResult.

    `type` takes a `FailureType` or its plain string value.

    Example:
        ```python
        return Failure("tests failed: 3 of 120", external_execution_id=run_id)
        return Failure("the action needs a ProjectName", "ConfigurationError")
        ```
    """

    message: str
    """What went wrong (1-5000 characters); shown in the console."""
    type: FailureType = attrs.field(default=FailureType.JOB_FAILED, converter=_failure_type)
    """The kind of failure: ``"JobFailed"`` (the default), ``"ConfigurationError"``, ..."""
    external_execution_id: str | None = attrs.field(default=None, kw_only=True)
    """The id of the work in your own system."""

    def details(self) -> FailureDetails:
        """The `FailureDetails` this failure is reported with."""
        return FailureDetails(
            type=self.type, message=self.message, external_execution_id=self.external_execution_id
        )


#: Anything a handler may return; ``None`` means `Success`.
Outcome: TypeAlias = Success | Continuation | Failure | None

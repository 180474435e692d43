"""The jobs only some calls return: GetJobDetails' and the partner (third-party) calls'.

A Lambda function never sees these shapes, so they live apart from
`codepipeline_jobs._models` and a cold start does not create their classes. They
follow the same rules: named after the API's shapes, frozen, secrets masked in
``repr()``.
"""

from __future__ import annotations

import attrs

from ._models import (
    JobData,
    _JobDataMembers,  # pyright: ignore[reportPrivateUsage] - the base both job data shapes share
    model_methods,
)

__all__ = ["JobDetails", "ThirdPartyJob", "ThirdPartyJobData", "ThirdPartyJobDetails"]


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ThirdPartyJobData(_JobDataMembers):
    """What a partner (third-party) action job is about (``ThirdPartyJobData`` in the API)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class JobDetails:
    """A job as GetJobDetails returns it: no nonce, fresh artifact credentials."""

    id: str
    """The job's id."""
    data: JobData
    """What the job is about."""
    account_id: str | None = None
    """The AWS account the pipeline belongs to."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ThirdPartyJob:
    """A partner job handed out by PollForThirdPartyJobs: ids only.

    Read its details with `get_third_party_job_details` and the client token
    that belongs to `client_id`.
    """

    client_id: str
    """The partner's client id, which maps to the client token the calls need."""
    job_id: str
    """The job's id."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ThirdPartyJobDetails:
    """A partner job's details, from GetThirdPartyJobDetails."""

    id: str
    """The job's id."""
    data: ThirdPartyJobData
    """What the job is about."""
    nonce: str | None = None
    """The value to pass to `acknowledge_third_party_job`."""

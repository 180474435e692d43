"""pytest fixtures for testing job workers against `FakeCodePipeline`.

Installing codepipeline-jobs registers this module with pytest (the
``pytest11`` entry point, plugin name ``codepipeline_jobs``), so its fixtures
are there in every test without an import or a conftest:

- ``fake_codepipeline``: a fresh `FakeCodePipeline` for each test, in the
  ``fake_aws_env`` environment;
- ``codepipeline_client``: a real boto3 CodePipeline client served by it;
- ``fake_aws_env``: fake credentials and region in the environment, and no
  profile, config file or instance metadata, so that no client a test creates
  can reach or sign for a real account.

``pytest -p no:codepipeline_jobs`` runs without them. A conftest.py that
defines a fixture of the same name overrides it (for example to give the fake
a seed or a region).

Example:
    ```python
    # illustrative
    from codepipeline_jobs import poll_for_jobs


    def test_nothing_to_do(fake_codepipeline, codepipeline_client):
        assert poll_for_jobs(codepipeline_client, MY_ACTION) == []
    ```

This module is the only one of the package that imports pytest; nothing
imports it but pytest, and the fake is imported only when a test asks for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

    from .testing import FakeCodePipeline

__all__ = ["FAKE_AWS_ENV", "codepipeline_client", "fake_aws_env", "fake_codepipeline"]

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
"""The variables `fake_aws_env` sets: fake credentials, the fake's default region, no metadata
service, and empty config and credentials files (so ``~/.aws`` is not read)."""

#: The variables `fake_aws_env` removes: they would select a profile or other credentials.
_REMOVED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and region in the environment, for the test's duration.

    Sets `FAKE_AWS_ENV` and removes ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE`` and
    the variables of role and container credentials, so that boto3 clients the
    code under test creates itself (a module-level ``job_handler``'s, for one)
    find a region and sign with credentials that are not yours. Everything is
    restored after the test.
    """
    for name in _REMOVED:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake_codepipeline(fake_aws_env: None) -> FakeCodePipeline:  # noqa: ARG001 - sets the environment
    """A fresh `FakeCodePipeline` (no jobs, no faults, seed 0) for each test, in `fake_aws_env`."""
    from .testing import FakeCodePipeline  # noqa: PLC0415 - only for the tests that use it

    return FakeCodePipeline()


@pytest.fixture
def codepipeline_client(fake_codepipeline: FakeCodePipeline) -> CodePipelineClient:
    """A real boto3 CodePipeline client served by ``fake_codepipeline`` (``fake_codepipeline.client()``)."""
    return fake_codepipeline.client()

"""The public surface: exactly the documented names, documented, and cheap to import."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import pytest

import codepipeline_jobs
from codepipeline_jobs import _errors

EXPECTED = sorted(
    [
        "AWSSessionCredentials",
        "ActionCategory",
        "ActionCategoryName",
        "ActionConfiguration",
        "ActionConfigurationProperty",
        "ActionConfigurationPropertyType",
        "ActionConfigurationPropertyTypeName",
        "ActionContext",
        "ActionOwner",
        "ActionType",
        "ActionTypeConflictError",
        "ActionOwnerName",
        "ActionTypeId",
        "ActionTypeNotFoundError",
        "ActionTypeSettings",
        "Artifact",
        "ArtifactDetails",
        "ArtifactLocation",
        "ArtifactLocationType",
        "ArtifactLocationTypeName",
        "ArtifactRevision",
        "CodePipelineJobsError",
        "CurrentRevision",
        "CustomAction",
        "EncryptionKey",
        "EncryptionKeyType",
        "EncryptionKeyTypeName",
        "ExecutionDetails",
        "ExecutionMode",
        "ExecutionModeName",
        "ExecutionTrigger",
        "ExecutionType",
        "ExecutionTypeName",
        "FailureDetails",
        "FailureType",
        "FailureTypeName",
        "FrozenMap",
        "InvalidConfigurationError",
        "Job",
        "JobData",
        "JobDetails",
        "JobStatus",
        "JobStatusName",
        "MalformedResponseError",
        "MaskedException",
        "NotCustomActionError",
        "NotThirdPartyActionError",
        "OutputVariablesTooLargeError",
        "PipelineContext",
        "PipelineExecution",
        "PipelineExecutionStatus",
        "PipelineExecutionStatusName",
        "PipelineRollbackMetadata",
        "ResolvedPipelineVariable",
        "S3ArtifactLocation",
        "SecretsFilter",
        "StageContext",
        "Tag",
        "ThirdPartyJob",
        "ThirdPartyJobData",
        "ThirdPartyJobDetails",
        "TriggerType",
        "TriggerTypeName",
        "ValidationError",
        "ValueSet",
        "__version__",
        "acknowledge_job",
        "acknowledge_third_party_job",
        "config_class",
        "config_property",
        "configuration_properties",
        "converter",
        "create_custom_action_type",
        "delete_custom_action_type",
        "ensure_custom_action_type",
        "get_job_details",
        "get_pipeline_execution",
        "get_third_party_job_details",
        "install_log_redaction",
        "list_action_types",
        "poll_for_jobs",
        "poll_for_third_party_jobs",
        "put_job_failure_result",
        "put_job_success_result",
        "put_third_party_job_failure_result",
        "put_third_party_job_success_result",
        "read_configuration",
        "read_user_parameters",
        "structure",
        "unstructure",
        "validate_custom_owner",
        "validate_query_param",
        "validate_third_party_owner",
    ]
)


def test_all_is_the_documented_list() -> None:
    """__all__ is exactly the documented public API, sorted."""
    assert codepipeline_jobs.__all__ == EXPECTED
    assert sorted(codepipeline_jobs.__all__) == codepipeline_jobs.__all__


def test_every_name_resolves_and_is_documented() -> None:
    """Every public name resolves, and every public class and function has its own docstring."""
    for name in codepipeline_jobs.__all__:
        value = getattr(codepipeline_jobs, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, name
            assert value.__doc__.strip(), name
            assert value.__module__.startswith("codepipeline_jobs"), name
    assert set(dir(codepipeline_jobs)) >= set(codepipeline_jobs.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    """A name the package does not have raises AttributeError, as for any module."""
    with pytest.raises(AttributeError, match="poll_for_job"):
        getattr(codepipeline_jobs, "poll_for_job")  # noqa: B009 - the name must not resolve


def test_error_tree() -> None:
    """The exception tree is as drawn in the errors module."""
    assert issubclass(codepipeline_jobs.ValidationError, codepipeline_jobs.CodePipelineJobsError)
    assert issubclass(codepipeline_jobs.ValidationError, ValueError)
    assert issubclass(codepipeline_jobs.NotCustomActionError, codepipeline_jobs.ValidationError)
    assert issubclass(codepipeline_jobs.NotThirdPartyActionError, codepipeline_jobs.ValidationError)
    assert issubclass(codepipeline_jobs.OutputVariablesTooLargeError, codepipeline_jobs.ValidationError)
    assert issubclass(codepipeline_jobs.MalformedResponseError, codepipeline_jobs.CodePipelineJobsError)
    assert not issubclass(codepipeline_jobs.MalformedResponseError, ValueError)
    assert _errors.__doc__ is not None
    for name in (
        "ValidationError",
        "NotCustomActionError",
        "NotThirdPartyActionError",
        "OutputVariablesTooLargeError",
        "MalformedResponseError",
    ):
        assert name in _errors.__doc__


def test_errors_pickle() -> None:
    """Errors survive pickling (e.g. across process pools) with their attributes."""
    import pickle

    error = pickle.loads(pickle.dumps(codepipeline_jobs.NotCustomActionError("actionTypeId.owner", "rule")))
    assert isinstance(error, codepipeline_jobs.NotCustomActionError)
    assert (error.parameter, error.rule) == ("actionTypeId.owner", "rule")
    malformed = pickle.loads(pickle.dumps(codepipeline_jobs.MalformedResponseError("jobs[0].id", "missing")))
    assert (malformed.path, malformed.problem) == ("jobs[0].id", "missing")


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_is_cheap() -> None:
    """`import codepipeline_jobs` imports neither cattrs, botocore nor the type stubs."""
    out = _run("""
        import sys
        import codepipeline_jobs
        heavy = ("cattrs", "mypy_boto3_codepipeline", "botocore", "boto3", "attrs")
        print(sorted(name for name in heavy if name in sys.modules))
    """)
    assert out.strip() == "[]"


def test_type_stubs_never_imported_at_runtime() -> None:
    """Using every part of the API never imports mypy_boto3_codepipeline."""
    out = _run("""
        import os, sys
        os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION="us-east-1")
        import boto3
        from botocore.stub import Stubber
        import codepipeline_jobs as cj
        for name in cj.__all__:
            getattr(cj, name)
        client = boto3.client("codepipeline")
        with Stubber(client) as stub:
            stub.add_response("acknowledge_job", {"status": "InProgress"})
            cj.acknowledge_job(client, "11111111-2222-4333-8444-555555555555", "n")
        print("mypy_boto3_codepipeline" in sys.modules)
    """)
    assert out.strip() == "False"

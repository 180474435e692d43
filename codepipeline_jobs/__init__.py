"""A typed SDK for AWS CodePipeline job workers.

`codepipeline_jobs` wraps the job-worker calls of a boto3 CodePipeline client
in typed functions: replies become frozen models, every request rule the
service enforces is checked before anything is sent, and secrets stay out of
reprs, messages and logs.

The package is built in rooms, each importing only from the rooms below it
(checked in CI by import-linter, ``lint-imports``): the models (``_models``,
``_values``, ``_errors``, ``_redact``) <- the conversion between the wire format and
the models (``_convert``, with its generated half ``_convert_generated``) <- the
request rules and the calls (``_rules``, ``_calls``, ``_aio_calls``, ``_outcomes``)
<- the runtimes (``worker``, ``aio``, ``aws_lambda``, ``artifacts``, ``testing`` and
their private helpers) <- the command line (``cli``).

Example:
    ```python
    import boto3
    from codepipeline_jobs import ActionTypeId, poll_for_jobs

    client = boto3.client("codepipeline")
    action = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
    for job in poll_for_jobs(client, action, max_batch_size=5):
        print(job.id, job.data.pipeline_context)
    ```
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
import typing as _typing

if _typing.TYPE_CHECKING:
    from ._action_type_models import (
        ActionConfigurationProperty,
        ActionConfigurationPropertyType,
        ActionConfigurationPropertyTypeName,
        ActionType,
        ActionTypeSettings,
        ArtifactDetails,
        Tag,
    )
    from ._calls import (
        acknowledge_job,
        acknowledge_third_party_job,
        create_custom_action_type,
        delete_custom_action_type,
        ensure_custom_action_type,
        get_job_details,
        get_pipeline_execution,
        get_third_party_job_details,
        list_action_types,
        poll_for_jobs,
        poll_for_third_party_jobs,
        put_job_failure_result,
        put_job_success_result,
        put_third_party_job_failure_result,
        put_third_party_job_success_result,
    )
    from ._configuration import (
        CustomAction,
        config_class,
        config_property,
        configuration_properties,
        read_configuration,
        read_user_parameters,
    )
    from ._convert import converter, structure, unstructure
    from ._errors import (
        ActionTypeConflictError,
        ActionTypeNotFoundError,
        CodePipelineJobsError,
        InvalidConfigurationError,
        MalformedResponseError,
        NotCustomActionError,
        NotThirdPartyActionError,
        OutputVariablesTooLargeError,
        ValidationError,
    )
    from ._execution_models import (
        ArtifactRevision,
        ExecutionMode,
        ExecutionModeName,
        ExecutionTrigger,
        ExecutionType,
        ExecutionTypeName,
        PipelineExecution,
        PipelineExecutionStatus,
        PipelineExecutionStatusName,
        PipelineRollbackMetadata,
        ResolvedPipelineVariable,
        TriggerType,
        TriggerTypeName,
    )
    from ._job_detail_models import JobDetails, ThirdPartyJob, ThirdPartyJobData, ThirdPartyJobDetails
    from ._models import (
        ActionConfiguration,
        ActionContext,
        ActionTypeId,
        Artifact,
        ArtifactLocation,
        AWSSessionCredentials,
        CurrentRevision,
        EncryptionKey,
        ExecutionDetails,
        FailureDetails,
        FrozenMap,
        Job,
        JobData,
        PipelineContext,
        S3ArtifactLocation,
        StageContext,
    )
    from ._redact import MaskedException, SecretsFilter, install_log_redaction
    from ._rules import validate_custom_owner, validate_query_param, validate_third_party_owner
    from ._values import (
        ActionCategory,
        ActionCategoryName,
        ActionOwner,
        ActionOwnerName,
        ArtifactLocationType,
        ArtifactLocationTypeName,
        EncryptionKeyType,
        EncryptionKeyTypeName,
        FailureType,
        FailureTypeName,
        JobStatus,
        JobStatusName,
        ValueSet,
    )

# Names resolve on first use (PEP 562): `import codepipeline_jobs` stays cheap for Lambda
# cold starts, and each part of the API costs only when it is touched.
_LAZY: dict[str, str] = {
    "CustomAction": "._configuration",
    "config_class": "._configuration",
    "config_property": "._configuration",
    "configuration_properties": "._configuration",
    "read_configuration": "._configuration",
    "read_user_parameters": "._configuration",
    "create_custom_action_type": "._calls",
    "delete_custom_action_type": "._calls",
    "ensure_custom_action_type": "._calls",
    "list_action_types": "._calls",
    "ActionTypeConflictError": "._errors",
    "InvalidConfigurationError": "._errors",
    "ActionConfigurationProperty": "._action_type_models",
    "ActionType": "._action_type_models",
    "ActionTypeSettings": "._action_type_models",
    "ArtifactDetails": "._action_type_models",
    "Tag": "._action_type_models",
    "ActionConfigurationPropertyType": "._action_type_models",
    "ActionConfigurationPropertyTypeName": "._action_type_models",
    "acknowledge_job": "._calls",
    "acknowledge_third_party_job": "._calls",
    "ActionCategory": "._values",
    "ActionCategoryName": "._values",
    "ActionConfiguration": "._models",
    "ActionContext": "._models",
    "ActionOwner": "._values",
    "ActionOwnerName": "._values",
    "ActionTypeId": "._models",
    "Artifact": "._models",
    "ArtifactLocation": "._models",
    "ArtifactLocationType": "._values",
    "ArtifactLocationTypeName": "._values",
    "ArtifactRevision": "._execution_models",
    "AWSSessionCredentials": "._models",
    "ActionTypeNotFoundError": "._errors",
    "CodePipelineJobsError": "._errors",
    "converter": "._convert",
    "CurrentRevision": "._models",
    "EncryptionKey": "._models",
    "EncryptionKeyType": "._values",
    "EncryptionKeyTypeName": "._values",
    "ExecutionDetails": "._models",
    "ExecutionMode": "._execution_models",
    "ExecutionModeName": "._execution_models",
    "ExecutionTrigger": "._execution_models",
    "ExecutionType": "._execution_models",
    "ExecutionTypeName": "._execution_models",
    "FailureDetails": "._models",
    "FailureType": "._values",
    "FailureTypeName": "._values",
    "FrozenMap": "._models",
    "get_job_details": "._calls",
    "get_pipeline_execution": "._calls",
    "get_third_party_job_details": "._calls",
    "install_log_redaction": "._redact",
    "Job": "._models",
    "JobData": "._models",
    "JobDetails": "._job_detail_models",
    "JobStatus": "._values",
    "JobStatusName": "._values",
    "MalformedResponseError": "._errors",
    "NotCustomActionError": "._errors",
    "NotThirdPartyActionError": "._errors",
    "OutputVariablesTooLargeError": "._errors",
    "PipelineContext": "._models",
    "PipelineExecution": "._execution_models",
    "PipelineExecutionStatus": "._execution_models",
    "PipelineExecutionStatusName": "._execution_models",
    "PipelineRollbackMetadata": "._execution_models",
    "poll_for_jobs": "._calls",
    "poll_for_third_party_jobs": "._calls",
    "put_job_failure_result": "._calls",
    "put_job_success_result": "._calls",
    "put_third_party_job_failure_result": "._calls",
    "put_third_party_job_success_result": "._calls",
    "ResolvedPipelineVariable": "._execution_models",
    "S3ArtifactLocation": "._models",
    "MaskedException": "._redact",
    "SecretsFilter": "._redact",
    "StageContext": "._models",
    "structure": "._convert",
    "ThirdPartyJob": "._job_detail_models",
    "ThirdPartyJobData": "._job_detail_models",
    "ThirdPartyJobDetails": "._job_detail_models",
    "TriggerType": "._execution_models",
    "TriggerTypeName": "._execution_models",
    "unstructure": "._convert",
    "validate_custom_owner": "._rules",
    "validate_query_param": "._rules",
    "validate_third_party_owner": "._rules",
    "ValidationError": "._errors",
    "ValueSet": "._values",
}

__all__ = [
    "AWSSessionCredentials",
    "ActionCategory",
    "ActionCategoryName",
    "ActionConfiguration",
    "ActionConfigurationProperty",
    "ActionConfigurationPropertyType",
    "ActionConfigurationPropertyTypeName",
    "ActionContext",
    "ActionOwner",
    "ActionOwnerName",
    "ActionType",
    "ActionTypeConflictError",
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

#: The version of this package.
__version__ = "0.1.0.dev0"

_logging.getLogger("codepipeline_jobs").addHandler(_logging.NullHandler())


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        message = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(_importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

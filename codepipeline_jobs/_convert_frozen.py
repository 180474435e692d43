"""The generated readers and writers of the job's models, ahead of time.

Written by ``python -m codepipeline_jobs._convert`` from `codepipeline_jobs._convert_generated`
(a test fails while this is not what it makes now): do not edit by hand.
"""

from __future__ import annotations

from codepipeline_jobs._convert_generated import Mismatch, _MISSING, _str_map, _value_set
from codepipeline_jobs._models import AWSSessionCredentials, ActionConfiguration, ActionContext, ActionTypeId, Artifact, ArtifactLocation, CurrentRevision, EncryptionKey, ExecutionDetails, FailureDetails, FrozenMap, Job, JobData, PipelineContext, S3ArtifactLocation, StageContext
from codepipeline_jobs._values import ActionCategory, ActionOwner, ArtifactLocationType, EncryptionKeyType, FailureType
from datetime import datetime

_new = object.__new__

_cls32 = Artifact
_set33 = Artifact.name.__set__
_set34 = Artifact.revision.__set__
_cls35 = ArtifactLocation
_members36 = ArtifactLocationType._value2member_map_
_values37 = ArtifactLocationType
_value_set38 = _value_set
_set39 = ArtifactLocation.type.__set__
_cls40 = S3ArtifactLocation
_set41 = S3ArtifactLocation.bucket_name.__set__
_set42 = S3ArtifactLocation.object_key.__set__
_set43 = ArtifactLocation.s3_location.__set__
_set44 = Artifact.location.__set__


def read_Artifact(value):
    if value.__class__ is not dict:
        raise Mismatch
    instance1 = _new(_cls32)
    value1 = value.get('name')
    if value1 is not None and value1.__class__ is not str: raise Mismatch
    _set33(instance1, value1)
    value1 = value.get('revision')
    if value1 is not None and value1.__class__ is not str: raise Mismatch
    _set34(instance1, value1)
    value1 = value.get('location')
    if value1 is not None:
        if value1.__class__ is not dict:
            raise Mismatch
        instance2 = _new(_cls35)
        value2 = value1.get('type')
        if value2 is not None:
            _known = _members36.get(value2) if value2.__class__ is str else None
            value2 = _known if _known is not None else _value_set38(value2, _values37)
        _set39(instance2, value2)
        value2 = value1.get('s3Location')
        if value2 is not None:
            if value2.__class__ is not dict:
                raise Mismatch
            instance3 = _new(_cls40)
            value3 = value2['bucketName']
            if value3.__class__ is not str: raise Mismatch
            _set41(instance3, value3)
            value3 = value2['objectKey']
            if value3.__class__ is not str: raise Mismatch
            _set42(instance3, value3)
            value2 = instance3
        _set43(instance2, value2)
        value1 = instance2
    _set44(instance1, value1)
    value = instance1
    return value

_cls1 = Job
_set2 = Job.id.__set__
_cls3 = JobData
_cls4 = ActionTypeId
_members5 = ActionCategory._value2member_map_
_values6 = ActionCategory
_value_set7 = _value_set
_set8 = ActionTypeId.category.__set__
_members9 = ActionOwner._value2member_map_
_values10 = ActionOwner
_set11 = ActionTypeId.owner.__set__
_set12 = ActionTypeId.provider.__set__
_set13 = ActionTypeId.version.__set__
_set14 = JobData.action_type_id.__set__
_cls15 = ActionConfiguration
_factory16 = ActionConfiguration.__attrs_attrs__.configuration.default.factory
_str_map17 = _str_map
_set18 = ActionConfiguration.configuration.__set__
_set19 = JobData.action_configuration.__set__
_cls20 = PipelineContext
_set21 = PipelineContext.pipeline_name.__set__
_cls22 = StageContext
_set23 = StageContext.name.__set__
_set24 = PipelineContext.stage.__set__
_cls25 = ActionContext
_set26 = ActionContext.name.__set__
_set27 = ActionContext.action_execution_id.__set__
_set28 = PipelineContext.action.__set__
_set29 = PipelineContext.pipeline_arn.__set__
_set30 = PipelineContext.pipeline_execution_id.__set__
_set31 = JobData.pipeline_context.__set__
_read45 = read_Artifact
_set46 = JobData.input_artifacts.__set__
_set47 = JobData.output_artifacts.__set__
_cls48 = AWSSessionCredentials
_set49 = AWSSessionCredentials.access_key_id.__set__
_set50 = AWSSessionCredentials.secret_access_key.__set__
_set51 = AWSSessionCredentials.session_token.__set__
_set52 = AWSSessionCredentials.expiration_time.__set__
_set53 = JobData.artifact_credentials.__set__
_set54 = JobData.continuation_token.__set__
_cls55 = EncryptionKey
_set56 = EncryptionKey.id.__set__
_members57 = EncryptionKeyType._value2member_map_
_values58 = EncryptionKeyType
_set59 = EncryptionKey.type.__set__
_set60 = JobData.encryption_key.__set__
_set61 = Job.data.__set__
_set62 = Job.nonce.__set__
_set63 = Job.account_id.__set__


def read_Job(value):
    if value.__class__ is not dict:
        raise Mismatch
    instance1 = _new(_cls1)
    value1 = value['id']
    if value1.__class__ is not str: raise Mismatch
    _set2(instance1, value1)
    value1 = value['data']
    if value1.__class__ is not dict:
        raise Mismatch
    instance2 = _new(_cls3)
    value2 = value1.get('actionTypeId')
    if value2 is not None:
        if value2.__class__ is not dict:
            raise Mismatch
        instance3 = _new(_cls4)
        value3 = value2['category']
        _known = _members5.get(value3) if value3.__class__ is str else None
        value3 = _known if _known is not None else _value_set7(value3, _values6)
        _set8(instance3, value3)
        value3 = value2['owner']
        _known = _members9.get(value3) if value3.__class__ is str else None
        value3 = _known if _known is not None else _value_set7(value3, _values10)
        _set11(instance3, value3)
        value3 = value2['provider']
        if value3.__class__ is not str: raise Mismatch
        _set12(instance3, value3)
        value3 = value2['version']
        if value3.__class__ is not str: raise Mismatch
        _set13(instance3, value3)
        value2 = instance3
    _set14(instance2, value2)
    value2 = value1.get('actionConfiguration')
    if value2 is not None:
        if value2.__class__ is not dict:
            raise Mismatch
        instance3 = _new(_cls15)
        value3 = value2.get('configuration', _MISSING)
        if value3 is _MISSING:
            value3 = _factory16()
        else:
            value3 = _str_map17(value3)
        _set18(instance3, value3)
        value2 = instance3
    _set19(instance2, value2)
    value2 = value1.get('pipelineContext')
    if value2 is not None:
        if value2.__class__ is not dict:
            raise Mismatch
        instance3 = _new(_cls20)
        value3 = value2.get('pipelineName')
        if value3 is not None and value3.__class__ is not str: raise Mismatch
        _set21(instance3, value3)
        value3 = value2.get('stage')
        if value3 is not None:
            if value3.__class__ is not dict:
                raise Mismatch
            instance4 = _new(_cls22)
            value4 = value3.get('name')
            if value4 is not None and value4.__class__ is not str: raise Mismatch
            _set23(instance4, value4)
            value3 = instance4
        _set24(instance3, value3)
        value3 = value2.get('action')
        if value3 is not None:
            if value3.__class__ is not dict:
                raise Mismatch
            instance4 = _new(_cls25)
            value4 = value3.get('name')
            if value4 is not None and value4.__class__ is not str: raise Mismatch
            _set26(instance4, value4)
            value4 = value3.get('actionExecutionId')
            if value4 is not None and value4.__class__ is not str: raise Mismatch
            _set27(instance4, value4)
            value3 = instance4
        _set28(instance3, value3)
        value3 = value2.get('pipelineArn')
        if value3 is not None and value3.__class__ is not str: raise Mismatch
        _set29(instance3, value3)
        value3 = value2.get('pipelineExecutionId')
        if value3 is not None and value3.__class__ is not str: raise Mismatch
        _set30(instance3, value3)
        value2 = instance3
    _set31(instance2, value2)
    value2 = value1.get('inputArtifacts')
    if value2 is None:
        value2 = ()
    elif value2.__class__ is list or value2.__class__ is tuple:
        value2 = tuple([_read45(_item) for _item in value2])
    else:
        raise Mismatch
    _set46(instance2, value2)
    value2 = value1.get('outputArtifacts')
    if value2 is None:
        value2 = ()
    elif value2.__class__ is list or value2.__class__ is tuple:
        value2 = tuple([_read45(_item) for _item in value2])
    else:
        raise Mismatch
    _set47(instance2, value2)
    value2 = value1.get('artifactCredentials')
    if value2 is not None:
        if value2.__class__ is not dict:
            raise Mismatch
        instance3 = _new(_cls48)
        value3 = value2['accessKeyId']
        if value3.__class__ is not str: raise Mismatch
        _set49(instance3, value3)
        value3 = value2['secretAccessKey']
        if value3.__class__ is not str: raise Mismatch
        _set50(instance3, value3)
        value3 = value2['sessionToken']
        if value3.__class__ is not str: raise Mismatch
        _set51(instance3, value3)
        value3 = value2.get('expirationTime')
        if value3 is not None and value3.__class__ is not int: raise Mismatch
        _set52(instance3, value3)
        value2 = instance3
    _set53(instance2, value2)
    value2 = value1.get('continuationToken')
    if value2 is not None and value2.__class__ is not str: raise Mismatch
    _set54(instance2, value2)
    value2 = value1.get('encryptionKey')
    if value2 is not None:
        if value2.__class__ is not dict:
            raise Mismatch
        instance3 = _new(_cls55)
        value3 = value2['id']
        if value3.__class__ is not str: raise Mismatch
        _set56(instance3, value3)
        value3 = value2['type']
        _known = _members57.get(value3) if value3.__class__ is str else None
        value3 = _known if _known is not None else _value_set7(value3, _values58)
        _set59(instance3, value3)
        value2 = instance3
    _set60(instance2, value2)
    value1 = instance2
    _set61(instance1, value1)
    value1 = value.get('nonce')
    if value1 is not None and value1.__class__ is not str: raise Mismatch
    _set62(instance1, value1)
    value1 = value.get('accountId')
    if value1 is not None and value1.__class__ is not str: raise Mismatch
    _set63(instance1, value1)
    value = instance1
    return value

_read64 = read_Job


def read_Job_tuple(value):
    if value is None:
        value = ()
    elif value.__class__ is list or value.__class__ is tuple:
        value = tuple([_read64(_item) for _item in value])
    else:
        raise Mismatch
    return value

_cls65 = ActionTypeId
_type66 = ActionCategory
_type67 = ActionOwner
_type68 = str


def write_ActionTypeId(instance):
    if instance.__class__ is not _cls65:
        raise Mismatch
    wire = {}
    value = instance.category
    if value.__class__ is not _type66:
        raise Mismatch
    value = value._value_
    wire['category'] = value
    value = instance.owner
    if value.__class__ is not _type67:
        raise Mismatch
    value = value._value_
    wire['owner'] = value
    value = instance.provider
    if value.__class__ is not _type68:
        raise Mismatch
    wire['provider'] = value
    value = instance.version
    if value.__class__ is not _type68:
        raise Mismatch
    wire['version'] = value
    return wire

_cls69 = ActionConfiguration
_factory70 = ActionConfiguration.__attrs_attrs__.configuration.default.factory
_FrozenMap71 = FrozenMap


def write_ActionConfiguration(instance):
    if instance.__class__ is not _cls69:
        raise Mismatch
    wire = {}
    value = instance.configuration
    if value != _factory70():
        if value.__class__ is _FrozenMap71:
            value = dict(value._data)
        elif value.__class__ is dict:
            value = dict(value)
        else:
            raise Mismatch
        wire['configuration'] = value
    return wire

_cls72 = StageContext
_type73 = str


def write_StageContext(instance):
    if instance.__class__ is not _cls72:
        raise Mismatch
    wire = {}
    value = instance.name
    if value is not None:
        if value is not None:
            if value.__class__ is not _type73:
                raise Mismatch
        wire['name'] = value
    return wire

_cls74 = ActionContext
_type75 = str


def write_ActionContext(instance):
    if instance.__class__ is not _cls74:
        raise Mismatch
    wire = {}
    value = instance.name
    if value is not None:
        if value is not None:
            if value.__class__ is not _type75:
                raise Mismatch
        wire['name'] = value
    value = instance.action_execution_id
    if value is not None:
        if value is not None:
            if value.__class__ is not _type75:
                raise Mismatch
        wire['actionExecutionId'] = value
    return wire

_cls76 = PipelineContext
_type77 = str
_write78 = write_StageContext
_write79 = write_ActionContext


def write_PipelineContext(instance):
    if instance.__class__ is not _cls76:
        raise Mismatch
    wire = {}
    value = instance.pipeline_name
    if value is not None:
        if value is not None:
            if value.__class__ is not _type77:
                raise Mismatch
        wire['pipelineName'] = value
    value = instance.stage
    if value is not None:
        if value is not None:
            value = _write78(value)
        wire['stage'] = value
    value = instance.action
    if value is not None:
        if value is not None:
            value = _write79(value)
        wire['action'] = value
    value = instance.pipeline_arn
    if value is not None:
        if value is not None:
            if value.__class__ is not _type77:
                raise Mismatch
        wire['pipelineArn'] = value
    value = instance.pipeline_execution_id
    if value is not None:
        if value is not None:
            if value.__class__ is not _type77:
                raise Mismatch
        wire['pipelineExecutionId'] = value
    return wire

_cls80 = S3ArtifactLocation
_type81 = str


def write_S3ArtifactLocation(instance):
    if instance.__class__ is not _cls80:
        raise Mismatch
    wire = {}
    value = instance.bucket_name
    if value.__class__ is not _type81:
        raise Mismatch
    wire['bucketName'] = value
    value = instance.object_key
    if value.__class__ is not _type81:
        raise Mismatch
    wire['objectKey'] = value
    return wire

_cls82 = ArtifactLocation
_type83 = ArtifactLocationType
_write84 = write_S3ArtifactLocation


def write_ArtifactLocation(instance):
    if instance.__class__ is not _cls82:
        raise Mismatch
    wire = {}
    value = instance.type
    if value is not None:
        if value is not None:
            if value.__class__ is not _type83:
                raise Mismatch
            value = value._value_
        wire['type'] = value
    value = instance.s3_location
    if value is not None:
        if value is not None:
            value = _write84(value)
        wire['s3Location'] = value
    return wire

_cls85 = Artifact
_type86 = str
_write87 = write_ArtifactLocation


def write_Artifact(instance):
    if instance.__class__ is not _cls85:
        raise Mismatch
    wire = {}
    value = instance.name
    if value is not None:
        if value is not None:
            if value.__class__ is not _type86:
                raise Mismatch
        wire['name'] = value
    value = instance.revision
    if value is not None:
        if value is not None:
            if value.__class__ is not _type86:
                raise Mismatch
        wire['revision'] = value
    value = instance.location
    if value is not None:
        if value is not None:
            value = _write87(value)
        wire['location'] = value
    return wire

_cls88 = AWSSessionCredentials
_type89 = str
_type90 = int


def write_AWSSessionCredentials(instance):
    if instance.__class__ is not _cls88:
        raise Mismatch
    wire = {}
    value = instance.access_key_id
    if value.__class__ is not _type89:
        raise Mismatch
    wire['accessKeyId'] = value
    value = instance.secret_access_key
    if value.__class__ is not _type89:
        raise Mismatch
    wire['secretAccessKey'] = value
    value = instance.session_token
    if value.__class__ is not _type89:
        raise Mismatch
    wire['sessionToken'] = value
    value = instance.expiration_time
    if value is not None:
        if value is not None:
            if value.__class__ is not _type90:
                raise Mismatch
        wire['expirationTime'] = value
    return wire

_cls91 = EncryptionKey
_type92 = str
_type93 = EncryptionKeyType


def write_EncryptionKey(instance):
    if instance.__class__ is not _cls91:
        raise Mismatch
    wire = {}
    value = instance.id
    if value.__class__ is not _type92:
        raise Mismatch
    wire['id'] = value
    value = instance.type
    if value.__class__ is not _type93:
        raise Mismatch
    value = value._value_
    wire['type'] = value
    return wire

_cls94 = JobData
_write95 = write_ActionTypeId
_write96 = write_ActionConfiguration
_write97 = write_PipelineContext
_default98 = JobData.__attrs_attrs__.input_artifacts.default
_write99 = write_Artifact
_write100 = write_AWSSessionCredentials
_type101 = str
_write102 = write_EncryptionKey


def write_JobData(instance):
    if instance.__class__ is not _cls94:
        raise Mismatch
    wire = {}
    value = instance.action_type_id
    if value is not None:
        if value is not None:
            value = _write95(value)
        wire['actionTypeId'] = value
    value = instance.action_configuration
    if value is not None:
        if value is not None:
            value = _write96(value)
        wire['actionConfiguration'] = value
    value = instance.pipeline_context
    if value is not None:
        if value is not None:
            value = _write97(value)
        wire['pipelineContext'] = value
    value = instance.input_artifacts
    if value != _default98:
        if value.__class__ is not tuple:
            raise Mismatch
        value = [_write99(_item) for _item in value]
        wire['inputArtifacts'] = value
    value = instance.output_artifacts
    if value != _default98:
        if value.__class__ is not tuple:
            raise Mismatch
        value = [_write99(_item) for _item in value]
        wire['outputArtifacts'] = value
    value = instance.artifact_credentials
    if value is not None:
        if value is not None:
            value = _write100(value)
        wire['artifactCredentials'] = value
    value = instance.continuation_token
    if value is not None:
        if value is not None:
            if value.__class__ is not _type101:
                raise Mismatch
        wire['continuationToken'] = value
    value = instance.encryption_key
    if value is not None:
        if value is not None:
            value = _write102(value)
        wire['encryptionKey'] = value
    return wire

_cls103 = Job
_type104 = str
_write105 = write_JobData


def write_Job(instance):
    if instance.__class__ is not _cls103:
        raise Mismatch
    wire = {}
    value = instance.id
    if value.__class__ is not _type104:
        raise Mismatch
    wire['id'] = value
    value = instance.data
    value = _write105(value)
    wire['data'] = value
    value = instance.nonce
    if value is not None:
        if value is not None:
            if value.__class__ is not _type104:
                raise Mismatch
        wire['nonce'] = value
    value = instance.account_id
    if value is not None:
        if value is not None:
            if value.__class__ is not _type104:
                raise Mismatch
        wire['accountId'] = value
    return wire

_cls106 = CurrentRevision
_type107 = str
_type108 = datetime


def write_CurrentRevision(instance):
    if instance.__class__ is not _cls106:
        raise Mismatch
    wire = {}
    value = instance.revision
    if value.__class__ is not _type107:
        raise Mismatch
    wire['revision'] = value
    value = instance.change_identifier
    if value.__class__ is not _type107:
        raise Mismatch
    wire['changeIdentifier'] = value
    value = instance.created
    if value is not None:
        if value is not None:
            if value.__class__ is not _type108:
                raise Mismatch
        wire['created'] = value
    value = instance.revision_summary
    if value is not None:
        if value is not None:
            if value.__class__ is not _type107:
                raise Mismatch
        wire['revisionSummary'] = value
    return wire

_cls109 = ExecutionDetails
_type110 = str
_type111 = int


def write_ExecutionDetails(instance):
    if instance.__class__ is not _cls109:
        raise Mismatch
    wire = {}
    value = instance.summary
    if value is not None:
        if value is not None:
            if value.__class__ is not _type110:
                raise Mismatch
        wire['summary'] = value
    value = instance.external_execution_id
    if value is not None:
        if value is not None:
            if value.__class__ is not _type110:
                raise Mismatch
        wire['externalExecutionId'] = value
    value = instance.percent_complete
    if value is not None:
        if value is not None:
            if value.__class__ is not _type111:
                raise Mismatch
        wire['percentComplete'] = value
    return wire

_cls112 = FailureDetails
_type113 = FailureType
_type114 = str


def write_FailureDetails(instance):
    if instance.__class__ is not _cls112:
        raise Mismatch
    wire = {}
    value = instance.type
    if value.__class__ is not _type113:
        raise Mismatch
    value = value._value_
    wire['type'] = value
    value = instance.message
    if value.__class__ is not _type114:
        raise Mismatch
    wire['message'] = value
    value = instance.external_execution_id
    if value is not None:
        if value is not None:
            if value.__class__ is not _type114:
                raise Mismatch
        wire['externalExecutionId'] = value
    return wire


READERS = {
    Job: read_Job,
    tuple[Job, ...]: read_Job_tuple,
}
WRITERS = {
    ActionTypeId: write_ActionTypeId,
    ActionConfiguration: write_ActionConfiguration,
    StageContext: write_StageContext,
    ActionContext: write_ActionContext,
    PipelineContext: write_PipelineContext,
    S3ArtifactLocation: write_S3ArtifactLocation,
    ArtifactLocation: write_ArtifactLocation,
    Artifact: write_Artifact,
    AWSSessionCredentials: write_AWSSessionCredentials,
    EncryptionKey: write_EncryptionKey,
    JobData: write_JobData,
    Job: write_Job,
    CurrentRevision: write_CurrentRevision,
    ExecutionDetails: write_ExecutionDetails,
    FailureDetails: write_FailureDetails,
}
SHAPES = {
    AWSSessionCredentials: (('access_key_id', 'accessKeyId', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('secret_access_key', 'secretAccessKey', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('session_token', 'sessionToken', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('expiration_time', 'expirationTime', 'int | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    ActionConfiguration: (('configuration', 'configuration', 'Mapping[str, str]', 'factory ActionConfiguration.<lambda> takes_self=False', 'converter codepipeline_jobs._models._configuration_map', 'validator -', 'init=True'), ('hooks',)),
    ActionContext: (('name', 'name', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('action_execution_id', 'actionExecutionId', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    ActionTypeId: (('category', 'category', 'ActionCategory', 'required', 'converter codepipeline_jobs._models._category', 'validator -', 'init=True'), ('owner', 'owner', 'ActionOwner', 'required', 'converter codepipeline_jobs._models._owner', 'validator -', 'init=True'), ('provider', 'provider', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('version', 'version', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    Artifact: (('name', 'name', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('revision', 'revision', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('location', 'location', 'ArtifactLocation | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    ArtifactLocation: (('type', 'type', 'ArtifactLocationType | None', 'default None', 'converter codepipeline_jobs._models._artifact_location_type', 'validator -', 'init=True'), ('s3_location', 's3Location', 'S3ArtifactLocation | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    CurrentRevision: (('revision', 'revision', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('change_identifier', 'changeIdentifier', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('created', 'created', 'datetime | None', 'default None', 'converter -', 'validator -', 'init=True'), ('revision_summary', 'revisionSummary', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    EncryptionKey: (('id', 'id', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('type', 'type', 'EncryptionKeyType', 'required', 'converter codepipeline_jobs._models._encryption_key_type', 'validator -', 'init=True'), ('hooks',)),
    ExecutionDetails: (('summary', 'summary', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('external_execution_id', 'externalExecutionId', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('percent_complete', 'percentComplete', 'int | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    FailureDetails: (('type', 'type', 'FailureType', 'required', 'converter codepipeline_jobs._models._failure_type', 'validator -', 'init=True'), ('message', 'message', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('external_execution_id', 'externalExecutionId', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    Job: (('id', 'id', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('data', 'data', 'JobData', 'required', 'converter -', 'validator -', 'init=True'), ('nonce', 'nonce', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('account_id', 'accountId', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    JobData: (('action_type_id', 'actionTypeId', 'ActionTypeId | None', 'default None', 'converter -', 'validator -', 'init=True'), ('action_configuration', 'actionConfiguration', 'ActionConfiguration | None', 'default None', 'converter -', 'validator -', 'init=True'), ('pipeline_context', 'pipelineContext', 'PipelineContext | None', 'default None', 'converter -', 'validator -', 'init=True'), ('input_artifacts', 'inputArtifacts', 'tuple[Artifact, ...]', 'default ()', 'converter -', 'validator -', 'init=True'), ('output_artifacts', 'outputArtifacts', 'tuple[Artifact, ...]', 'default ()', 'converter -', 'validator -', 'init=True'), ('artifact_credentials', 'artifactCredentials', 'AWSSessionCredentials | None', 'default None', 'converter -', 'validator -', 'init=True'), ('continuation_token', 'continuationToken', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('encryption_key', 'encryptionKey', 'EncryptionKey | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    PipelineContext: (('pipeline_name', 'pipelineName', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('stage', 'stage', 'StageContext | None', 'default None', 'converter -', 'validator -', 'init=True'), ('action', 'action', 'ActionContext | None', 'default None', 'converter -', 'validator -', 'init=True'), ('pipeline_arn', 'pipelineArn', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('pipeline_execution_id', 'pipelineExecutionId', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    S3ArtifactLocation: (('bucket_name', 'bucketName', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('object_key', 'objectKey', 'str', 'required', 'converter -', 'validator -', 'init=True'), ('hooks',)),
    StageContext: (('name', 'name', 'str | None', 'default None', 'converter -', 'validator -', 'init=True'), ('hooks',)),
}

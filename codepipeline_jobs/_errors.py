"""The exceptions this library raises.

```
CodePipelineJobsError
├── ValidationError (also ValueError)        a request broke a service rule; nothing was sent
│   ├── InvalidConfigurationError            a job's configuration does not fit the declared class
│   ├── NotCustomActionError                 PollForJobs asked for an owner other than Custom
│   ├── NotThirdPartyActionError             PollForThirdPartyJobs asked for an owner other than ThirdParty
│   └── OutputVariablesTooLargeError         output variables over the 122,880-byte quota
├── ActionTypeConflictError                  a registered action type differs from its declaration
└── MalformedResponseError                   a reply or event could not be read as the API's shape
```

Errors the service returns are not wrapped: they propagate as botocore's
`botocore.exceptions.ClientError`, so `client.exceptions.JobNotFoundException`
and friends keep working.

No message built here ever carries a credential, a token or an action
configuration value: messages name *where* something was wrong, and say
*what kind* of value was found, not the value itself (except for short,
non-secret identifiers).
"""

from __future__ import annotations

__all__ = [
    "MASK",
    "ActionTypeConflictError",
    "ActionTypeNotFoundError",
    "CodePipelineJobsError",
    "InvalidConfigurationError",
    "MalformedResponseError",
    "NotCustomActionError",
    "NotThirdPartyActionError",
    "OutputVariablesTooLargeError",
    "ValidationError",
    "counted",
    "type_description",
    "with_article",
]


# --- the words of messages -------------------------------------------------------------------

#: What a masked value looks like in a repr, a message or a log line (the models' reprs and
#: the redaction of `codepipeline_jobs._redact` both write it).
MASK = "***"



def with_article(noun: str) -> str:
    """`noun` after "a" or "an" as it is read aloud: "an int", "a str", "an 8-character string".

    A leading number is read as a word: "an" for 8, 11, 18, 80-89, 800-899, 11,000, ...
    """
    head = noun.split("-", 1)[0].split(" ", 1)[0].replace(",", "").replace("_", "")
    if head.isdigit():
        digits = head.lstrip("0") or "0"
        # eleven, eighteen: also eleven thousand, eighteen million, ...
        eleven = len(digits) % 3 == 2 and digits[:2] in ("11", "18")
        return f"{'an' if digits.startswith('8') or eleven else 'a'} {noun}"
    return f"{'an' if noun[:1].lower() in 'aeio' else 'a'} {noun}"


def counted(count: int, singular: str, many: str | None = None) -> str:
    """A count and its noun in the right number: "1 character", "2 characters", "1 entry"."""
    if count == 1:
        return f"{count} {singular}"
    return f"{count} {many if many is not None else singular + 's'}"


def type_description(value: object) -> str:
    """The kind of a value, for a message: "None", "a bool", "an int", "a list"."""
    if value is None:
        return "None"
    return with_article(type(value).__name__)


class CodePipelineJobsError(Exception):
    """Base class of every exception raised by `codepipeline_jobs` itself."""


class ValidationError(CodePipelineJobsError, ValueError):
    """A request parameter breaks a rule the service enforces; nothing was sent.

    Attributes:
        parameter: Where the bad value is, in the API's own (camelCase) names,
            e.g. ``"currentRevision.revision"`` or ``"queryParam"``.
        rule: The rule that was broken, in words, e.g.
            ``"must be at most 1500 characters"``.
    """

    parameter: str
    rule: str

    def __init__(self, parameter: str, rule: str) -> None:
        super().__init__(f"{parameter}: {rule}")
        self.parameter = parameter
        self.rule = rule

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, str]]:
        return (type(self), (self.parameter, self.rule))


class NotCustomActionError(ValidationError):
    """`poll_for_jobs` was given an action type whose owner is not ``Custom``.

    PollForJobs serves custom actions only; partner actions are polled with
    `poll_for_third_party_jobs`, AWS-owned actions are not polled at all.
    """


class NotThirdPartyActionError(ValidationError):
    """`poll_for_third_party_jobs` was given an action type whose owner is not ``ThirdParty``.

    PollForThirdPartyJobs serves partner actions only; custom actions are
    polled with `poll_for_jobs`.
    """


class OutputVariablesTooLargeError(ValidationError):
    """Output variables total more than the 122,880 bytes CodePipeline allows an action.

    The service answers such a report with ``OutputVariablesSizeExceededException``;
    this library refuses it before sending. Keys and values are counted in UTF-8 bytes.
    """


class MalformedResponseError(CodePipelineJobsError):
    """A reply (or a Lambda event) could not be read as the shape the API defines.

    Raised for missing required members, values of the wrong type, and replies
    botocore itself could not parse (an empty, truncated, HTML or non-UTF-8 body).

    Attributes:
        path: Where the problem is, in the API's own names, e.g.
            ``"jobs[2].data.inputArtifacts[0].location"``; empty for the whole reply.
        problem: What was wrong there, e.g. ``"expected an object, got str"``.
    """

    path: str
    problem: str

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[type[MalformedResponseError], tuple[str, str]]:
        return (type(self), (self.path, self.problem))


class InvalidConfigurationError(ValidationError):
    """A job's action configuration does not fit the class it is read into.

    Raised by `read_configuration` (and `read_user_parameters`) for a missing
    required property or a value that does not convert. The message names the
    property and the rule, never the value: configuration values may be
    secrets. Every runtime of this library reports a handler's
    `InvalidConfigurationError` as a ``ConfigurationError`` failure.

    Attributes:
        parameter: The configuration property, e.g. ``"ProjectName"``.
        rule: What was wrong, e.g. ``"is required"``.
    """


class ActionTypeConflictError(CodePipelineJobsError):
    """A custom action type is registered with a definition other than the declared one.

    Raised by `ensure_custom_action_type`; nothing was created. An action
    type's definition cannot change: register the changed definition under a
    new version.

    Attributes:
        action_type: ``Category/Provider/Version`` of the type.
        differences: Each differing member, e.g. ``"settings.entityUrlTemplate"``.
    """

    action_type: str
    differences: tuple[str, ...]

    def __init__(self, action_type: str, differences: tuple[str, ...]) -> None:
        super().__init__(
            f"custom action type {action_type} is registered with a different definition "
            f"(differs in: {', '.join(differences)}); a changed definition needs a new version"
        )
        self.action_type = action_type
        self.differences = differences

    def __reduce__(self) -> tuple[type[ActionTypeConflictError], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.action_type, self.differences))


class ActionTypeNotFoundError(CodePipelineJobsError):
    """A worker's polls kept answering ``ActionTypeNotFoundException``: it stopped.

    CodePipeline has no such action type in the client's account and region (a
    wrong provider, version or region, or a type deleted or not yet created). A
    newly created type can take moments to appear, so the worker tries a few
    times within a minute first. The CLI exits 1 with this message.

    Attributes:
        action_type: The action type, as ``Category/Owner/Provider/Version``.
    """

    action_type: str

    def __init__(self, action_type: str) -> None:
        super().__init__(
            f"action type {action_type} was not found: CodePipeline kept answering "
            "ActionTypeNotFoundException (check the provider, the version and the region)"
        )
        self.action_type = action_type

    def __reduce__(self) -> tuple[type[ActionTypeNotFoundError], tuple[str]]:
        return (type(self), (self.action_type,))

"""Keeping secrets out of logs and messages.

Three kinds of values must never be written anywhere a person or a log
pipeline can read them: artifact credentials (the secret key and the session
token), action configuration values (the API reference warns that they carry
the action's secret properties) and partner client tokens.

Redaction works on structure first and on text second:

- botocore logs request and reply bodies at DEBUG level. `SecretsFilter` masks
  the *arguments* of each record before it is formatted: a body is parsed as
  JSON, every secret member (credentials, client tokens, every value of a
  ``configuration`` object) is masked, and the document is written again; a
  body that mentions a secret but cannot be parsed is masked whole.
  `install_log_redaction` installs the filter on botocore's loggers.
- Text (a formatted message, a traceback, an exception's text) is scrubbed of
  each known secret in every form it takes in real messages (`secret_forms`),
  then of the documents embedded in it (JSON, and bytes or str literals holding
  JSON, as in botocore's ``b'{...}'``), then of the shapes that look like
  credentials. Whatever still looks like an unmasked secret member is masked
  to the end of its line.

A value is looked for in free text only when it has at least four characters
(`_MIN_SECRET_LENGTH`): shorter ones (``"1"``, ``"no"``) would mask unrelated
text and are too short to be secrets. In a body, by structure, every value of
a secret member is masked whatever its length.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import logging
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from ._errors import MASK

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from ._job_detail_models import JobDetails, ThirdPartyJobData, ThirdPartyJobDetails
    from ._models import Job, JobData

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "MaskedException",
    "SecretsFilter",
    "describe_exception",
    "install_log_redaction",
    "job_secrets",
    "scrub",
    "secret_forms",
]

#: The API's limit on a failure message, in characters.
MAX_MESSAGE_LENGTH = 5000

#: Values shorter than this are not looked for in free text (by structure, every value is masked).
_MIN_SECRET_LENGTH = 4
#: `SecretsFilter` remembers the values it masked in bodies, to mask them in later records too:
#: at most this many, of at least `_MIN_REMEMBERED_LENGTH` characters (a remembered "true" or
#: "prod" would mask every later mention of the word).
_REMEMBERED = 64
_MIN_REMEMBERED_LENGTH = 8

# --- every form of a secret -------------------------------------------------------------------


def _str_repr_bodies(text: str) -> set[str]:
    """What `text` looks like inside a str repr (or ascii()), either quote style."""
    bodies = {repr(text + "'\"")[1:-4], ascii(text + "'\"")[1:-4]}  # '...' quoting, \' escaped
    if '"' not in text:  # "..." quoting: Python picks it for text with a ' and no "
        bodies |= {repr(text + "'")[1:-2], ascii(text + "'")[1:-2]}
    return bodies


def _bytes_repr_bodies(data: bytes) -> set[str]:
    """What `data` looks like inside a bytes repr, either quote style."""
    bodies = {repr(data + b"'\"")[2:-4]}
    if b'"' not in data:
        bodies.add(repr(data + b"'")[2:-2])
    return bodies


@functools.lru_cache(maxsize=1024)
def secret_forms(value: str) -> tuple[str, ...]:
    """Every form `value` takes in real messages, longest first.

    The value itself; URL-encoded (``quote`` with the default and with
    ``safe=""``, ``quote_plus`` both ways); JSON-escaped (``ensure_ascii`` on
    and off); inside a ``repr()`` or ``ascii()`` of a str, either quote style,
    of the value and of its JSON forms; ``unicode_escape``-encoded; and inside
    the repr of its UTF-8 bytes and of its JSON bytes (how botocore logs bodies).

    Args:
        value: A secret.

    Returns:
        Its distinct non-empty forms, the longest first.
    """
    json_ascii = json.dumps(value)[1:-1]
    json_text = json.dumps(value, ensure_ascii=False)[1:-1]
    forms = {value, value.encode("unicode_escape").decode("ascii")}
    for text in dict.fromkeys((value, json_ascii, json_text)):
        forms.add(text)
        forms |= _str_repr_bodies(text)
        for safe in ("/", ""):
            forms.add(quote(text, safe=safe, errors="surrogatepass"))
            forms.add(quote_plus(text, safe=safe, errors="surrogatepass"))
        forms |= _bytes_repr_bodies(text.encode("utf-8", "surrogatepass"))
    return tuple(sorted((form for form in forms if form), key=len, reverse=True))


def _forms_of(secrets: Iterable[str], min_length: int = _MIN_SECRET_LENGTH) -> list[str]:
    """The forms of all `secrets` long enough to look for, longest first across all of them."""
    forms = {form for secret in secrets if len(secret) >= min_length for form in secret_forms(secret)}
    return sorted(forms, key=len, reverse=True)


def _replace_forms(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


# --- masking documents by structure -----------------------------------------------------------

_SECRET_MEMBER, _CONFIGURATION_MEMBER = 1, 2
# Member names, lower-cased without "-" and "_": names of secrets, not secrets.
_SECRET_NAMES = frozenset((
    "secretaccesskey", "sessiontoken", "accesskeyid", "clienttoken", "awssecretaccesskey",
    "awssessiontoken", "awsaccesskeyid", "xamzsecuritytoken", "securitytoken",
))


@functools.lru_cache(maxsize=4096)
def _member_kind(name: str) -> int:
    normal = name.replace("-", "").replace("_", "").lower()
    if normal in _SECRET_NAMES:
        return _SECRET_MEMBER
    return _CONFIGURATION_MEMBER if normal == "configuration" else 0


def _collect(value: object, found: list[str]) -> None:
    """Every string in `value` (and in JSON held in its strings) goes to `found`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
            if item[:1] in "{[":
                with contextlib.suppress(ValueError):
                    stack.append(json.loads(item))
        elif isinstance(item, Mapping):
            stack.extend(item.values())  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
        elif isinstance(item, (list, tuple)):
            stack.extend(item)  # pyright: ignore[reportUnknownArgumentType]


def _masked(value: object, found: list[str]) -> object:
    if value is None or value == MASK:
        return value
    _collect(value, found)
    return MASK


def _mask_members(document: Any, found: list[str], depth: int = 0) -> Any:
    """`document` with every secret member masked; the masked strings are added to `found`."""
    if depth > 64:  # deeper than any API shape: mask rather than recurse
        return _masked(document, found)
    if isinstance(document, Mapping):
        masked: dict[Any, Any] = {}
        pairs: Mapping[Any, Any] = document  # pyright: ignore[reportUnknownVariableType]
        for key, value in pairs.items():
            kind = _member_kind(key) if isinstance(key, str) else 0
            if kind == _SECRET_MEMBER:
                masked[key] = _masked(value, found)
            elif kind == _CONFIGURATION_MEMBER and isinstance(value, Mapping):
                entries: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
                masked[key] = {name: _masked(item, found) for name, item in entries.items()}
            elif kind == _CONFIGURATION_MEMBER:
                masked[key] = _masked(value, found)
            else:
                masked[key] = _mask_members(value, found, depth + 1)
        return masked
    if isinstance(document, list):
        return [_mask_members(item, found, depth + 1) for item in document]  # pyright: ignore[reportUnknownVariableType]
    return document


# Anything that may name a secret: a body or text without it needs no parsing.
_SENSITIVE_WORDS = (
    "secret", "token", "accesskey", "access_key", "access-key", "access key", "configuration", "credential"
)


def _sensitive(text: str | bytes) -> bool:
    """Whether `text` may name a secret (a few substring tests: this runs on every record)."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    lowered = text.lower()
    return any(word in lowered for word in _SENSITIVE_WORDS)


class _Withheld:
    """Stands in for a body that names a secret but could not be parsed: it is not logged."""

    __slots__ = ("_text",)

    def __init__(self, size: int) -> None:
        self._text = f"<{size}-character body withheld: it mentions a secret and could not be parsed>"

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__


def _mask_body(body: bytes | str, found: list[str], clean: list[str] | None = None) -> object:
    """A request or reply body with its secrets masked (bytes stay bytes, str stays str).

    The reprs of what it returns are added to `clean`: they need no further scrubbing.
    """
    if not _sensitive(body):
        return body
    try:
        document = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return _Withheld(len(body))
    if not isinstance(document, (dict, list)):
        return _Withheld(len(body))
    text = json.dumps(_mask_members(document, found))
    masked = text.encode() if isinstance(body, bytes) else text
    if clean is not None:
        clean += [repr(masked), text] if isinstance(masked, str) else [repr(masked)]
    return masked


_PLAIN = frozenset((int, float, bool))


def _mask_argument(value: object, found: list[str], clean: list[str], depth: int = 0) -> object:  # noqa: PLR0911 - one return per kind of value
    """A log record argument with its secrets masked by structure (bodies parsed)."""
    if value is None or value.__class__ in _PLAIN:
        return value
    if isinstance(value, (bytes, bytearray)):
        return _mask_body(bytes(value), found, clean)
    if isinstance(value, str):
        return _mask_body(value, found, clean) if value.lstrip()[:1] in ("{", "[") else value
    if depth > 4:
        return value
    if isinstance(value, Mapping):
        masked: dict[Any, Any] = {}
        pairs: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        for key, item in pairs.items():
            kind = _member_kind(key) if isinstance(key, str) else 0
            masked[key] = _masked(item, found) if kind else _mask_argument(item, found, clean, depth + 1)
        return masked
    if type(value) in (list, tuple):
        items: Any = value
        return type(items)(_mask_argument(item, found, clean, depth + 1) for item in items)  # pyright: ignore[reportUnknownVariableType]
    return value


# --- masking text -----------------------------------------------------------------------------

# A JSON or Python string literal, either quote style, escapes included.
_STR = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
# Names of secrets, not secrets.
_SECRET_NAME = r"(?:aws_?)?(?:secret_?access_?key|session_?token|access_?key_?id|client_?token)|x-amz-security-token"  # noqa: E501, S105
_SECRET_VALUE = re.compile(rf"""(?i)(["']?(?:{_SECRET_NAME})["']?\s*[:=]\s*b?)({_STR})""")
# The whole object under "configuration": every value in it is masked, keys kept.
_CONFIGURATION = re.compile(rf"""(["']configuration["']\s*:\s*)\{{((?:{_STR}|[^{{}}"'])*)\}}""")
_PAIR = re.compile(rf"""({_STR}\s*:\s*)({_STR})""")
# Credentials that look like credentials wherever they appear in free text.
_ACCESS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{8,}\b")
_SECURITY_TOKEN_HEADER = re.compile(r"(X-Amz-Security-Token:?\s*b?['\"]?)[A-Za-z0-9+/=]{16,}", re.I)
_SIGNATURE = re.compile(r"(Signature=)[0-9a-f]{64}")
# Presigned URLs and canonical query strings: the token, the credential scope and the signature.
_QUERY_SECRET = re.compile(r"(?i)((?:X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature)=)[^&\s'\"\\]+")
# Bodies inside text: a str or bytes literal that holds JSON, and JSON itself.
_LITERAL_QUOTE = re.compile(r"""['"](?=\s*[\[{])""")  # found fast; `_literal_start` checks the rest
_LITERAL = {
    "'": re.compile(r"b?'(?:[^'\\\n]|\\.)*'"),
    '"': re.compile(r'b?"(?:[^"\\\n]|\\.)*"'),
}
_JSON_START = re.compile(r"""[\[{](?=\s*["\[{])""")
_DECODER = json.JSONDecoder()
_MAX_DOCUMENTS = 50  # attempts at parsing documents in one text
_ANY_QUOTE = re.compile(r"""['"]""")
_MAX_NESTING = 4  # literals inside literals inside ...
# What must not remain: a secret member, or a configuration object, whose value is not masked.
# A quote, escaped as often as nesting needs; a masked value and what may follow it.
_QUOTE = r"""\\*["']"""
_AFTER_MASK = rf"""\*\*\*(?:{_QUOTE})?(?=[,}}\])&\s]|$)"""
_UNMASKED_MEMBER = re.compile(
    rf"""(?i)["']?(?:{_SECRET_NAME})[\s"'\\]*[:=][\s"'\\]*"""
    rf"""(?!{_AFTER_MASK}|b['"]{_AFTER_MASK}|None\b|null\b|[,}}\])&\s"'\\]|$)"""
)
# Words every secret member's name holds: the two case-insensitive patterns above are tried
# just before where one occurs (room for a quote and "aws_"), which is many times faster than
# letting them search every position of a long message.
_NAME_WORDS = (b"secret", b"session", b"access", b"client", b"x-amz-security")
_NAME_LEAD = 5  # len("'aws_")
_UNMASKED_CONFIGURATION = re.compile(r"""(?<![A-Za-z])configuration[\s"'\\]*:[\s"'\\]*\{""")
_MASKED_OBJECT = re.compile(  # the rest of a configuration object whose every value is masked
    rf"""\s*(?:{_QUOTE}[\w.:/ -]*{_QUOTE}\s*:\s*(?:b?{_QUOTE}{_AFTER_MASK}|None|null)"""
    rf"""\s*(?:,\s*|(?=\}})))*\}}"""
)


def _masked_literal(literal: str) -> str:
    """The mask as a string literal in the quote style of the literal it replaces (JSON stays JSON)."""
    quote = literal[0]
    return f"{quote}{MASK}{quote}"


def _mask_configuration(match: re.Match[str]) -> str:
    inner = _PAIR.sub(lambda pair: pair.group(1) + _masked_literal(pair.group(2)), match.group(2))
    return f"{match.group(1)}{{{inner}}}"


def _literal_start(text: str, quote: int) -> int:
    """Where the literal whose opening quote is at `quote` starts (at its ``b``), or -1 if it is none."""
    begin = quote - 1 if quote and text[quote - 1] == "b" else quote
    before = text[begin - 1] if begin else " "
    return -1 if before.isalnum() or before in "_\\" else begin


def _mask_literals(text: str) -> str:
    """Mask the secrets of JSON held in str or bytes literals (botocore logs ``b'{...}'``)."""
    out: list[str] = []
    position = attempts = 0
    for quote_match in _LITERAL_QUOTE.finditer(text):
        begin = _literal_start(text, quote_match.start())
        if begin < position or attempts >= _MAX_DOCUMENTS:
            continue
        attempts += 1
        match = _LITERAL[quote_match.group()].match(text, begin)
        if match is None:  # a bytes literal with no closing quote (a body cut short) is withheld
            if text[begin] == "b" and _sensitive(text[begin:]):
                out += [text[position:begin], repr(_Withheld(len(text) - begin))]
                position = len(text)
                break
            continue
        literal = match.group()
        if not _sensitive(literal):
            continue
        replacement = _masked_literal_body(literal)
        out += [text[position : match.start()], replacement]
        position = match.end()
    return "".join(out) + text[position:] if out else text


def _masked_literal_body(literal: str) -> str:
    found: list[str] = []
    try:
        value: object = ast.literal_eval(literal)
        masked = _mask_body(value, found) if isinstance(value, (bytes, str)) else _Withheld(len(literal))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        masked = _Withheld(len(literal))
    return repr(masked)


def _mask_nested_literals(text: str, depth: int) -> str:
    """Scrub what str or bytes literals with escapes in them hold, at every level of nesting.

    ``repr(ValueError(f"reply was {body!r}"))`` holds a bytes literal inside a
    str literal: its JSON is escaped twice, and only reading the outer literal
    shows the inner one as it is.
    """
    out: list[str] = []
    position = attempts = 0
    for quote_match in _ANY_QUOTE.finditer(text):
        begin = _literal_start(text, quote_match.start())
        if begin < position or attempts >= _MAX_DOCUMENTS:
            continue
        match = _LITERAL[quote_match.group()].match(text, begin)
        if match is None:
            continue
        literal = match.group()
        if "\\" not in literal or not _sensitive(literal):
            # Without escapes the text-level passes read it as it is. Its quotes are its own:
            # the next literal starts after it.
            out.append(text[position : match.end()])
            position = match.end()
            continue
        attempts += 1
        try:
            value: object = ast.literal_eval(literal)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, bytes):
            inner = value.decode("utf-8", "surrogateescape")
            scrubbed = _scrub_documents(inner, depth + 1)
            replacement = repr(scrubbed.encode("utf-8", "surrogateescape")) if scrubbed != inner else literal
        elif isinstance(value, str):
            scrubbed = _scrub_documents(value, depth + 1)
            replacement = repr(scrubbed) if scrubbed != value else literal
        else:
            continue
        out += [text[position:begin], replacement]
        position = match.end()
    return "".join(out) + text[position:] if out else text


def _mask_json_in_text(text: str) -> str:
    """Mask the secrets of JSON documents written out in `text` (exception texts, CLI output)."""
    out: list[str] = []
    position = attempts = 0
    for start in _JSON_START.finditer(text):
        if start.start() < position or attempts >= _MAX_DOCUMENTS:
            continue
        attempts += 1
        try:
            document, end = _DECODER.raw_decode(text, start.start())
        except ValueError:
            continue
        found: list[str] = []
        masked = _mask_members(document, found)
        if not found:
            continue
        span = text[start.start() : end]
        out += [text[position : start.start()], _rewrite_json(span, masked, found)]
        position = end
    return "".join(out) + text[position:] if out else text


def _rewrite_json(span: str, masked: object, found: list[str]) -> str:
    """`span` (JSON) with the `found` strings masked, keeping its layout when that is enough."""
    forms = {json.dumps(value, ensure_ascii=ascii_only) for value in found for ascii_only in (True, False)}
    rewritten = span
    for form in sorted(forms, key=len, reverse=True):
        rewritten = rewritten.replace(form, f'"{MASK}"')
    try:
        if _mask_members(json.loads(rewritten), []) == json.loads(rewritten) == masked:
            return rewritten
    except ValueError:
        pass
    return json.dumps(masked)


def _at_names(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of `pattern` that start where a secret member's name starts, left to right."""
    lowered = text.encode("ascii", "replace").lower()  # one byte per character: positions agree
    places: set[int] = set()
    for word in _NAME_WORDS:
        found = lowered.find(word)
        while found >= 0:
            places.add(found)
            found = lowered.find(word, found + 1)
    position = 0
    for place in sorted(places):
        for start in range(max(position, place - _NAME_LEAD), place + 1):
            match = pattern.match(text, start)
            if match is not None:
                position = match.end()
                yield match
                break


def _replace_matches(
    text: str, matches: Iterable[re.Match[str]], replace: Callable[[re.Match[str]], str]
) -> str:
    out: list[str] = []
    position = 0
    for match in matches:
        out += [text[position : match.start()], replace(match)]
        position = match.end()
    return "".join(out) + text[position:] if out else text


def _mask_unmasked(text: str) -> str:
    """The last line of defence: an unmasked secret member or configuration is masked to the line's end."""
    starts = [match.end() for match in _at_names(_UNMASKED_MEMBER, text)]
    if "configuration" in text:
        starts += [
            match.end() for match in _UNMASKED_CONFIGURATION.finditer(text)
            if not _MASKED_OBJECT.match(text, match.end())
        ]
    out: list[str] = []
    position = 0
    for start in sorted(starts):
        if start < position:
            continue
        end = text.find("\n", start)
        out += [text[position:start], MASK]
        position = len(text) if end < 0 else end
    return "".join(out) + text[position:] if out else text


def _scrub_text(text: str, forms: Iterable[str], clean: Iterable[str] = ()) -> str:
    """`text` scrubbed: the `forms` of known secrets, embedded documents, credential shapes.

    `clean` are pieces of the text masked by structure already (bodies written
    again by `_mask_body`): they are set aside instead of being parsed again.
    """
    text = _replace_forms(text, forms)
    if "AKIA" in text or "ASIA" in text:
        text = _ACCESS_KEY_ID.sub(_keep_prefix, text)
    if not _sensitive(text):
        return text
    set_aside: list[str] = []
    for piece in clean:
        if piece in text:
            text = text.replace(piece, f"\x00{len(set_aside)}\x00")
            set_aside.append(piece)
    if _sensitive(text):
        text = _scrub_documents(text)
    for index, piece in enumerate(set_aside):
        text = text.replace(f"\x00{index}\x00", piece)
    return text


def _scrub_documents(text: str, depth: int = 0) -> str:
    lowered = text.lower()
    if depth < _MAX_NESTING and "\\" in text:
        text = _mask_nested_literals(text, depth)
    text = _mask_json_in_text(text)
    text = _mask_literals(text)
    if "configuration" in lowered:
        text = _CONFIGURATION.sub(_mask_configuration, text)
    text = _replace_matches(
        text, list(_at_names(_SECRET_VALUE, text)), lambda m: m.group(1) + _masked_literal(m.group(2))
    )
    if "x-amz-" in lowered:
        text = _QUERY_SECRET.sub(_keep_prefix, text)
        text = _SECURITY_TOKEN_HEADER.sub(_keep_prefix, text)
    if "Signature=" in text:
        text = _SIGNATURE.sub(_keep_prefix, text)
    return _mask_unmasked(text)


def _keep_prefix(match: re.Match[str]) -> str:
    return match.group(1) + MASK


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every secret in a piece of text.

    Masks each of the given `secrets` in every form it takes in messages (see
    `secret_forms`; values shorter than four characters are not looked for);
    then, by structure, the secret members (``secretAccessKey``,
    ``sessionToken``, ``accessKeyId``, ``clientToken``) and every value of a
    ``configuration`` object in JSON documents written in the text, in str or
    bytes literals holding JSON, and in Python reprs; then access key ids,
    security tokens and signatures in headers and presigned URLs. A secret
    member whose value could not be masked is masked to the end of its line.

    Args:
        text: The text to clean.
        secrets: Further values to mask, e.g. from `job_secrets`.

    Returns:
        The text with every secret replaced by ``***``.
    """
    return _scrub_text(text, _forms_of(secrets))


def _data_secrets(data: JobData | ThirdPartyJobData | None) -> list[str]:
    if data is None:
        return []
    found: list[str] = []
    if data.artifact_credentials is not None:
        creds = data.artifact_credentials
        found += [creds.secret_access_key, creds.session_token, creds.access_key_id]
    if data.action_configuration is not None:
        # Each value, and each string inside it when it is JSON (UserParameters often is).
        _collect(list(data.action_configuration.configuration.values()), found)
    return [secret for secret in found if len(secret) >= _MIN_SECRET_LENGTH]


def job_secrets(job: Job | JobDetails | ThirdPartyJobDetails | None) -> list[str]:
    """The secret values a job carries: its credentials and action configuration values."""
    return _data_secrets(job.data) if job is not None else []


def describe_exception(
    exc: BaseException,
    *,
    job: Job | JobDetails | ThirdPartyJobDetails | None = None,
    limit: int = MAX_MESSAGE_LENGTH,
) -> str:
    """An exception as a failure message: ``"Type: text"``, scrubbed and cut to `limit`.

    A message that is too long keeps its beginning and ends with a marker
    saying how many characters were left out.
    """
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the failure report
        text = "<exception text could not be read>"
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    message = scrub(message, job_secrets(job))
    if len(message) > limit:
        marker = f" ... [{{}} characters cut to fit the {limit}-character limit]"
        cut = len(message) - (limit - len(marker.format(len(message))))
        message = message[: limit - len(marker.format(cut))] + marker.format(cut)
    return message


_TRACEBACKS = logging.Formatter()


class SecretsFilter(logging.Filter):
    """A logging filter that masks credentials, tokens and configuration values.

    For each record it masks the arguments by structure first (a request or
    reply body is parsed, its secret members masked and the document written
    again), then formats the message, the traceback and the stack, scrubs them
    (see `scrub`) and stores the clean text back in the record, so handlers
    downstream see no secret. When the traceback quoted a secret, the record's
    ``exc_info`` no longer carries the raw exception, which a formatter could
    format again, but a `MaskedException` whose text is the masked traceback.
    It never drops a record.

    The values it masked in bodies (of eight characters or more, the last 64
    of them, shared by all filters) are remembered and masked, in every form, in later records too: a
    configuration value read by ``PollForJobs`` is masked in the traceback of
    the handler that later quotes it.

    Example:
        ```python
        handler.addFilter(SecretsFilter())
        ```
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record's message, traceback and stack in place; always keep the record."""
        found: list[str] = []
        clean: list[str] = []
        try:
            args: Any = record.args
            if isinstance(args, tuple):
                record.args = tuple(_mask_argument(arg, found, clean) for arg in args)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            elif isinstance(args, Mapping):
                record.args = _mask_argument(args, found, clean)  # type: ignore[assignment]
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record keeps its format string, not its arguments
            message = str(record.msg)
        forms = _MEMORY.forms(found)
        record.msg = _scrub_text(message, forms, clean)
        record.args = None
        _scrub_exception(record, forms)
        if record.stack_info:
            record.stack_info = _scrub_text(record.stack_info, forms)
        return True


class MaskedException(Exception):
    """Stands in for a logged exception whose traceback quoted a secret.

    `SecretsFilter` puts it in the record's ``exc_info`` in place of the real
    exception; its text is the masked traceback, so a formatter that formats
    ``exc_info`` itself (as many JSON formatters and error trackers do) shows
    the traceback without the secret.
    """


def _scrub_exception(record: logging.LogRecord, forms: Any) -> None:
    """Mask the record's traceback, and take the raw exception off it if that quoted a secret."""
    raw = _TRACEBACKS.formatException(record.exc_info) if record.exc_info else None
    quoted = False
    if raw is not None:
        # Handlers use exc_text when it is set: format the traceback now, scrubbed, so the raw
        # exception text is never formatted downstream.
        clean = _scrub_text(raw, forms)
        quoted = clean != raw
        if not record.exc_text:
            record.exc_text = clean
    if record.exc_text:  # set by someone before us: scrubbed too
        clean = _scrub_text(record.exc_text, forms)
        quoted = quoted or clean != record.exc_text
        record.exc_text = clean
    if quoted and record.exc_info:
        # A formatter that formats exc_info itself would print the secret: it gets a stand-in
        # that carries the masked traceback (and no frames, whose locals may hold more).
        record.exc_info = (MaskedException, MaskedException(record.exc_text), None)


class _Memory:
    """The values `SecretsFilter`s masked in bodies, most recent last, shared by all filters.

    A filter on a handler sees botocore's records after the filter on botocore's
    logger masked them; sharing the memory lets it still mask, say, a
    configuration value quoted by a traceback.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}
        self._forms: list[str] = []

    def forms(self, found: list[str]) -> list[str]:
        """The forms to look for in a record that carried `found`: its own and the remembered ones."""
        if not found:
            return self._forms
        new = [value for value in found if len(value) >= _MIN_REMEMBERED_LENGTH]
        if new and any(value not in self._values for value in new):
            with self._lock:
                for value in new:
                    self._values.pop(value, None)
                    self._values[value] = None
                for value in list(self._values)[: max(0, len(self._values) - _REMEMBERED)]:
                    del self._values[value]
                self._forms = _forms_of(self._values, _MIN_REMEMBERED_LENGTH)
        short = [value for value in found if len(value) < _MIN_REMEMBERED_LENGTH]
        return [*self._forms, *_forms_of(short)] if short else self._forms

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
            self._forms = []


_MEMORY = _Memory()


#: Loggers that write request or reply bodies, headers or signing material.
_BODY_LOGGERS = (
    "botocore",
    "botocore.auth",
    "botocore.endpoint",
    "botocore.hooks",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.retries.standard",
    "botocore.retryhandler",
    "aiobotocore.endpoint",
    "aiobotocore.httpsession",
    "aiobotocore.httpxsession",
    "aiobotocore.parsers",
    "aiobotocore.retryhandler",
    "urllib3.connectionpool",
)
_PROTECTED_PREFIXES = ("botocore", "boto3", "s3transfer", "urllib3", "aiobotocore")


def install_log_redaction(logger_names: Iterable[str] | None = None) -> SecretsFilter:
    """Install a `SecretsFilter` on botocore's loggers (once; calling again is harmless).

    A filter on a logger applies only to the records that logger itself
    creates, so the filter goes on every logger of botocore, boto3, s3transfer,
    urllib3 and aiobotocore that exists when this is called, and on the ones
    known to write bodies even if they do not exist yet. Call it after
    ``import boto3``; for belt and braces, add a `SecretsFilter` to your log
    handlers as well.

    Args:
        logger_names: The loggers to protect; by default the ones above.

    Returns:
        The installed filter.

    Example:
        ```python
        import logging
        import codepipeline_jobs

        codepipeline_jobs.install_log_redaction()
        logging.basicConfig(level=logging.DEBUG)  # botocore's bodies now come out masked
        ```
    """
    if logger_names is None:
        existing_names = [
            name
            for name in list(logging.root.manager.loggerDict)
            if name.split(".", 1)[0] in _PROTECTED_PREFIXES
        ]
        logger_names = sorted({*_BODY_LOGGERS, *existing_names})
    the_filter = _installed_filter() or SecretsFilter()
    for name in logger_names:
        logger = logging.getLogger(name)
        if the_filter not in logger.filters:
            logger.addFilter(the_filter)
    return the_filter


def _installed_filter() -> SecretsFilter | None:
    for existing in logging.getLogger("botocore").filters:
        if isinstance(existing, SecretsFilter):
            return existing
    return None

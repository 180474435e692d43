"""The package's rooms: every module imports, and every deferred import is a deliberate one.

The layers themselves (models <- conversion <- rules and calls <- runtimes <- cli) and the
absence of cycles are import-linter contracts in pyproject.toml, run by .ci/run
(`lint-imports`); grimp, which import-linter builds its graph with, sees function-level
imports too, so deferring an import cannot hide an upward one or a cycle.

What import-linter cannot say is *why* an import is deferred. Each function-level import of
the package is one of the short list below, each with the cost it saves, measured with
``python -X importtime`` and ``time.perf_counter()`` in fresh interpreters after
``import boto3`` (a 2-CPU shared machine; medians of 7 to 15 runs, Python 3.11). A new one must
join the list with its measured reason, or be an ordinary module-level import. At the
import, a comment ``lazy (<tag>)`` names its reason where the module is the converter's, the
Lambda decorator's or the models'.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import codepipeline_jobs

PACKAGE_DIR = Path(codepipeline_jobs.__file__).parent

#: Why an import may be deferred, by tag; each figure is what a process that does not need
#: the import is spared.
REASONS = {
    "cattrs": "cattrs and its converter, built on first use: ~11 ms; data the generated "
              "half reads and writes never needs them",
    "boto3": "boto3 ~160 ms (botocore with it): needed only once a client exists, which "
             "has loaded it already",
    "botocore model": "botocore's CodePipeline service model, ~11 ms: loaded with the first "
                      "request checked against its rules",
    "optional": "an optional dependency (aiobotocore, the aio extra; OpenTelemetry, the otel "
                "extra): absent unless installed",
    "first job": "the job's models with attrs, the converter and the outcomes, ~21 ms, and the "
                 "calls, redaction and the workers' core, ~15 ms: `import "
                 "codepipeline_jobs.aws_lambda` takes ~1 ms and a Lambda function pays the rest "
                 "with its first job (reading the event needs only the first part)",
    "fake": "codepipeline_jobs.testing, ~50 ms: the pytest plugin and the CLI load it only for "
            "the tests and the demo that use the fake",
    "aio artifacts": "the artifact module behind the coroutine helpers, ~3.5 ms: only when "
                     "one is first used",
    "action types": "codepipeline_jobs._configuration, ~2 ms (attrs classes and their field "
                    "helpers): of the calls only ensure_custom_action_type needs it, and the "
                    "Lambda decorator's first job loads the calls",
    "asyncio driver": "asyncio, 12-15 ms (30 modules), and codepipeline_jobs._aio_calls, ~3 ms "
                      "with the _configuration it brings (~0.3 ms in the CLI, which has it): "
                      "spared by `import codepipeline_jobs.worker` and the CLI's start-up; the "
                      "job context renews credentials through them only for an asyncio worker, "
                      "whose `import codepipeline_jobs.aio` has loaded both",
    "health server": "codepipeline_jobs._health_server with http.server and socketserver, ~2 ms: "
                     "spared by `import codepipeline_jobs.worker` and the CLI's start-up "
                     "(`--help`, `run` without `--health-port`); only a program that serves health "
                     "endpoints needs it",
    "redaction": "codepipeline_jobs._redact, 2.5-4.5 ms (its patterns compile at import): "
                 "the models need it only to describe an exception (FailureDetails.from_exception)",
}

#: Every function-level import of the package: (importing module, imported module) -> reason tag.
DEFERRED = {
    ("_convert", "cattrs"): "cattrs",
    ("_convert", "cattrs.errors"): "cattrs",
    ("_convert", "cattrs.gen"): "cattrs",
    ("aws_lambda", "boto3"): "boto3",
    ("aws_lambda", "botocore.exceptions"): "boto3",
    ("_calls", "botocore.client"): "boto3",
    ("cli", "boto3"): "boto3",
    ("testing", "boto3"): "boto3",
    ("_rules", "botocore.loaders"): "botocore model",
    ("_rules", "botocore.model"): "botocore model",
    ("testing", "aiobotocore.session"): "optional",
    ("_fake_wire", "aiobotocore.awsrequest"): "optional",
    ("aws_lambda", "codepipeline_jobs._convert"): "first job",
    ("aws_lambda", "codepipeline_jobs._models"): "first job",
    ("aws_lambda", "codepipeline_jobs._calls"): "first job",
    ("aws_lambda", "codepipeline_jobs._outcomes"): "first job",
    ("aws_lambda", "codepipeline_jobs._redact"): "first job",
    ("aws_lambda", "codepipeline_jobs._values"): "first job",
    ("aws_lambda", "codepipeline_jobs._worker_core"): "first job",
    ("pytest_plugin", "codepipeline_jobs.testing"): "fake",
    ("cli", "codepipeline_jobs.testing"): "fake",
    ("aio", "codepipeline_jobs._aio_artifacts"): "aio artifacts",
    ("_models", "codepipeline_jobs._redact"): "redaction",
    ("_calls", "codepipeline_jobs._configuration"): "action types",
    ("_telemetry", "opentelemetry"): "optional",
    ("_telemetry", "opentelemetry.metrics"): "optional",
    ("_job_context", "asyncio"): "asyncio driver",
    ("_job_context", "codepipeline_jobs._aio_calls"): "asyncio driver",
    ("cli", "codepipeline_jobs._health_server"): "health server",
    ("worker", "codepipeline_jobs._health_server"): "health server",
}


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(PACKAGE_DIR)]))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module or ""]
    base = "codepipeline_jobs"
    if node.module is None:  # from . import name: the submodule named
        return [f"{base}.{alias.name}" for alias in node.names]
    return [f"{base}.{node.module}"]


def _deferred_imports(module: str) -> set[tuple[str, str]]:
    """The (module, imported) pairs of the imports inside functions, TYPE_CHECKING blocks left out."""
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.update((module, name) for name in _imported(child) if name != "__future__")
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, in_function=False)
    return found


@pytest.mark.parametrize("module", _modules())
def test_every_module_of_the_package_imports(module: str) -> None:
    """A module of this package that fails to import fails here: no test skips it."""
    importlib.import_module(f"codepipeline_jobs.{module}")


def test_every_deferred_import_is_a_listed_one() -> None:
    """Function-level imports are exactly the deliberate ones, each with its measured reason."""
    found = set().union(*(_deferred_imports(module) for module in _modules()))
    assert found - set(DEFERRED) == set(), "a new deferred import: list it with its measured reason"
    assert set(DEFERRED) - found == set(), "a listed deferred import is gone: take it off the list"
    assert set(DEFERRED.values()) == set(REASONS)

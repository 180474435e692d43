"""The documentation stays complete and its examples keep running.

Docstrings are read with griffe and the same extension the docs build uses
(`docs/_ext/griffe_attrs.py`), so "documented" here means "rendered with a
docstring in the API reference".
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import griffe
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "codepipeline_jobs"
PUBLIC_SUBMODULES = ("testing", "worker", "aio", "artifacts", "aws_lambda", "cli")
PUBLIC_MODULES = (PACKAGE, *(f"{PACKAGE}.{name}" for name in PUBLIC_SUBMODULES))

#: A block whose first line is this comment is shown, never run.
ILLUSTRATIVE = "# illustrative"
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)```(?:python|py)\b[^\n]*$")



@cache
def _griffe_package() -> griffe.Module:
    extensions = griffe.load_extensions(f"{ROOT / 'docs' / '_ext' / 'griffe_attrs.py'}:AttrsFields")
    package = griffe.load(PACKAGE, search_paths=[str(ROOT)], extensions=extensions, resolve_aliases=True)
    assert isinstance(package, griffe.Module)
    return package


def _import_public(module_name: str) -> Any:
    """Import a public module: one that is missing or broken fails the test, never skips it."""
    return importlib.import_module(module_name)


def _griffe_object(module_name: str, name: str) -> griffe.Object | griffe.Alias:
    relative = module_name.removeprefix(PACKAGE).lstrip(".")
    found: griffe.Object | griffe.Alias = _griffe_package()[f"{relative}.{name}" if relative else name]
    return found


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    """Every name in a public module's __all__ has a non-empty docstring in the rendered reference."""
    module = _import_public(module_name)
    undocumented: list[str] = []
    for name in module.__all__:
        docstring = _griffe_object(module_name, name).docstring
        if docstring is None or not docstring.value.strip():
            undocumented.append(name)
    assert not undocumented, f"{module_name}: no docstring for {undocumented}"


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_model_field_has_an_attribute_docstring(module_name: str) -> None:
    """Every field of every public attrs class has an attribute docstring (a string literal after it)."""
    module = _import_public(module_name)
    missing: list[str] = []
    for name in module.__all__:
        runtime = getattr(module, name)
        if not (isinstance(runtime, type) and attrs.has(runtime)):
            continue
        static = _griffe_object(module_name, name)
        for field in attrs.fields(runtime):
            member = static.all_members.get(field.name)
            if member is None or member.docstring is None or not member.docstring.value.strip():
                missing.append(f"{name}.{field.name}")
    assert not missing, f"{module_name}: fields without a docstring: {missing}"


def test_attrs_classes_get_their_real_signature() -> None:
    """The reference shows an attrs class's real __init__: names, keyword-only markers and defaults."""
    init = _griffe_object(PACKAGE, "Job").members["__init__"]
    init = init.final_target if isinstance(init, griffe.Alias) else init
    assert isinstance(init, griffe.Function)
    parameters = [(p.name, p.kind, p.default) for p in init.parameters if p.name != "self"]
    keyword_only = griffe.ParameterKind.keyword_only
    assert parameters == [
        ("id", keyword_only, None),
        ("data", keyword_only, None),
        ("nonce", keyword_only, "None"),
        ("account_id", keyword_only, "None"),
    ]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_module_has_a_reference_page(module_name: str) -> None:
    """Each public module is rendered by a page under docs/reference that is in the nav."""
    _import_public(module_name)
    page = "core.md" if module_name == PACKAGE else f"{module_name.rsplit('.', 1)[1]}.md"
    path = ROOT / "docs" / "reference" / page
    assert f"::: {module_name}\n" in path.read_text(encoding="utf-8")
    assert f"reference/{page}" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


# --- runnable examples ----------------------------------------------------------------------


@attrs.frozen
class CodeBlock:
    """A fenced Python block of a Markdown file."""

    line: int
    """The line of its opening fence (1-based)."""
    code: str
    """Its source, dedented."""


def python_blocks(text: str) -> list[CodeBlock]:
    """The fenced Python blocks of a Markdown text, indented ones (admonitions, tabs) included."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        if opening is None:
            index += 1
            continue
        closing = re.compile(rf"^{re.escape(opening['indent'])}```\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        blocks.append(CodeBlock(index + 1, textwrap.dedent("\n".join(lines[index + 1 : end]))))
        index = end + 1
    return blocks


def test_python_blocks_are_found_with_their_lines() -> None:
    """The extractor finds top-level and indented blocks and ignores other languages."""
    text = "# T\n\n```python\nx = 1\n```\n\n```bash\nls\n```\n\n!!! note\n    ```python\n    y = x\n    ```\n"
    assert python_blocks(text) == [CodeBlock(3, "x = 1"), CodeBlock(12, "y = x")]


def _runnable(blocks: list[CodeBlock]) -> list[CodeBlock]:
    return [b for b in blocks if not b.code.lstrip().startswith(ILLUSTRATIVE)]


def _pages_with_examples() -> list[Path]:
    pages = sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])
    return [page for page in pages if _runnable(python_blocks(page.read_text(encoding="utf-8")))]


def test_the_guides_have_runnable_examples() -> None:
    """Home, the quickstart and the guides written here carry examples that run."""
    names = {page.name for page in _pages_with_examples()}
    assert {"index.md", "quickstart.md", "partner-actions.md", "continuations.md"} <= names


@pytest.mark.parametrize("path", _pages_with_examples(), ids=lambda path: str(path.relative_to(ROOT)))
def test_doc_examples_run(path: Path) -> None:
    """Every fenced Python block of a page runs, in order, in one namespace (unless illustrative)."""
    blocks = _runnable(python_blocks(path.read_text(encoding="utf-8")))
    source = "\n".join(block.code for block in blocks)
    if "aio_client(" in source and importlib.util.find_spec("aiobotocore") is None:
        pytest.skip("its examples need the aio extra (aiobotocore)")
    namespace: dict[str, Any] = {"__name__": f"docs_example_{path.stem.replace('-', '_')}"}
    relative = path.relative_to(ROOT)
    for block in blocks:
        code = compile(block.code, f"{relative}:{block.line}", "exec")
        exec(code, namespace)  # running our own documentation is the point

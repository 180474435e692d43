"""The test files of docs/testing.md pass when run by pytest, as in a user's project.

Each block of the page whose first line names a file (``# test_build.py``) is
saved under that name in an empty directory, and pytest runs there in a new
process: no conftest of ours, no ``PYTHONPATH``, no AWS variables - only the
installed package, its pytest plugin and moto.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_testing_plugin import run_pytest

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```python\n# (?P<name>\w+\.py)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def example_files() -> dict[str, str]:
    """The files the page shows, by name."""
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    return {match["name"]: match["code"] for match in _BLOCK.finditer(page)}


def test_the_page_shows_the_example_files() -> None:
    """The plugin example, the moto recipe and the module-level Lambda handler with its test."""
    assert set(example_files()) == {
        "test_build.py",
        "test_package.py",
        "deploy_function.py",
        "test_deploy_function.py",
    }


def test_the_example_files_pass(tmp_path: Path) -> None:
    """Saved as named, the example test files pass under pytest with every warning an error."""
    files = example_files()
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    tests = sum(code.count("\ndef test_") for name, code in files.items() if name.startswith("test_"))
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout, result.stdout
    assert tests == 5

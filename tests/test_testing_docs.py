"""The complete pytest example of docs/testing.md passes when run by pytest, as a user would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_the_pytest_example_passes(tmp_path: Path) -> None:
    """The guide's test file, saved as test_build.py, passes all its tests under pytest."""
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    [example] = [block for block in _BLOCK.findall(page) if "def test_" in block]
    (tmp_path / "test_build.py").write_text(example, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout

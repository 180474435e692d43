"""The package as users get it: built into a wheel, installed in a scratch venv, bytecode compiled.

The fresh-process benchmarks run this venv's interpreter, from a scratch directory (so the
source tree is not on ``sys.path``), and never the editable install of the checkout. The
venv has no dependencies of its own: a ``.pth`` file puts the running interpreter's
site-packages (boto3, attrs, cattrs, Powertools, ...) after its own, where the wheel is.
"""

from __future__ import annotations

import functools
import shutil
import site
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from ._page import ROOT

__all__ = ["installed_python", "remove_installed"]

PACKAGE = "codepipeline_jobs"


@functools.cache
def installed_python() -> tuple[Path, Path]:
    """(the scratch venv's interpreter, a scratch working directory), built once per run."""
    scratch = Path(tempfile.mkdtemp(prefix="codepipeline-jobs-bench-"))
    wheels = scratch / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = wheels.glob("codepipeline_jobs-*.whl")
    env_dir = scratch / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-index", "--no-compile", str(wheel)],
        check=True, capture_output=True,
    )
    # The dependencies: this interpreter's site-packages, after the wheel's own directory.
    (purelib / "_benchmark_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    # Once, before any timed run, by the interpreter that will load it.
    subprocess.run([str(python), "-m", "compileall", "-q", str(purelib / PACKAGE)], check=True)
    work = scratch / "work"
    work.mkdir()
    found = subprocess.run(
        [str(python), "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        check=True, capture_output=True, text=True, cwd=work,
    ).stdout.strip()
    if not Path(found).is_relative_to(purelib):
        message = f"the scratch venv imports {PACKAGE} from {found}, not from the wheel"
        raise RuntimeError(message)
    return python, work


def remove_installed() -> None:
    """Delete the scratch venv, if one was built."""
    if installed_python.cache_info().currsize:
        _, work = installed_python()
        shutil.rmtree(work.parent, ignore_errors=True)
        installed_python.cache_clear()

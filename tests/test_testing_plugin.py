"""The pytest plugin, used as a user's project uses it: test files run by pytest in a new process.

Each run happens in an empty directory with no conftest of ours, no ``PYTHONPATH``
and no AWS variables but a profile that does not exist (so a test that reached
for real credentials would fail): only the installed package registers the plugin.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import codepipeline_jobs.pytest_plugin
from codepipeline_jobs.pytest_plugin import FAKE_AWS_ENV
from tests.conftest import ACTION

if TYPE_CHECKING:
    import pytest

    from codepipeline_jobs.testing import FakeCodePipeline

PLUGIN_FIXTURES = ("fake_codepipeline", "codepipeline_client", "fake_aws_env")
TESTS = Path(__file__).resolve().parent


def run_pytest(
    directory: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest in a new process in `directory`, with only the installed package (and `env` on top)."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTEST_", "PYTHONPATH"))
    }
    clean["AWS_PROFILE"] = "a-profile-that-does-not-exist"
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", *args],
        cwd=directory,
        env=clean,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def write(directory: Path, name: str, source: str) -> None:
    """A file of the user's project."""
    (directory / name).write_text(textwrap.dedent(source), encoding="utf-8")


USER_TESTS = """
    import os

    import boto3

    from codepipeline_jobs import (
        ActionCategory, ActionOwner, ActionTypeId, JobStatus,
        acknowledge_job, poll_for_jobs, put_job_success_result,
    )
    from codepipeline_jobs.testing import FakeCodePipeline

    ACTION = ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
    )


    def test_the_plugin_is_registered_under_its_name(pytestconfig):
        assert pytestconfig.pluginmanager.has_plugin("codepipeline_jobs")


    def test_a_job_worked_through_the_client(fake_codepipeline, codepipeline_client):
        assert isinstance(fake_codepipeline, FakeCodePipeline)
        job_id = fake_codepipeline.add_job(ACTION)
        [job] = poll_for_jobs(codepipeline_client, ACTION)
        acknowledge_job(codepipeline_client, job.id, job.nonce)
        put_job_success_result(codepipeline_client, job.id)
        assert fake_codepipeline.job(job_id).status == JobStatus.SUCCEEDED


    def test_every_test_gets_a_fresh_fake(fake_codepipeline):
        assert fake_codepipeline.jobs() == []
        assert fake_codepipeline.calls == []


    def test_the_environment_is_fake(fake_aws_env):
        assert "AWS_PROFILE" not in os.environ
        session = boto3.session.Session()
        assert session.region_name == "us-east-1"
        assert session.get_credentials().access_key == "testing"
        assert boto3.client("codepipeline").meta.region_name == "us-east-1"


    def test_the_fake_brings_the_environment(fake_codepipeline):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"


    def test_the_environment_is_restored_after_the_test():
        assert os.environ["AWS_PROFILE"] == "a-profile-that-does-not-exist"
        assert "AWS_ACCESS_KEY_ID" not in os.environ
"""


def test_the_fixtures_work_in_a_users_project(tmp_path: Path) -> None:
    """A project's tests get the fixtures with no import and no conftest, each test a fresh fake."""
    write(tmp_path, "test_user.py", USER_TESTS)
    result = run_pytest(tmp_path, "-p", "no:randomly")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_the_plugin_can_be_disabled_by_its_name(tmp_path: Path) -> None:
    """``-p no:codepipeline_jobs`` runs without the plugin: its fixtures are unknown."""
    write(
        tmp_path,
        "test_disabled.py",
        """
        def test_no_plugin(pytestconfig):
            assert not pytestconfig.pluginmanager.has_plugin("codepipeline_jobs")


        def test_wants_the_fake(fake_codepipeline):
            pass
        """,
    )
    result = run_pytest(tmp_path, "-p", "no:codepipeline_jobs")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 error" in result.stdout
    assert "fixture 'fake_codepipeline' not found" in result.stdout


def test_a_conftest_fixture_overrides_the_plugins(tmp_path: Path) -> None:
    """A conftest.py ``fake_codepipeline`` replaces the plugin's, and ``codepipeline_client`` follows it."""
    write(
        tmp_path,
        "conftest.py",
        """
        import pytest

        from codepipeline_jobs.testing import FakeCodePipeline


        @pytest.fixture
        def fake_codepipeline(fake_aws_env):
            return FakeCodePipeline(region="eu-west-1", account_id="210987654321")
        """,
    )
    write(
        tmp_path,
        "test_overridden.py",
        """
        def test_the_projects_fake(fake_codepipeline, codepipeline_client):
            assert fake_codepipeline.account_id == "210987654321"
            assert codepipeline_client.meta.region_name == "eu-west-1"
        """,
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_without_autoload_a_conftest_names_the_plugin(tmp_path: Path) -> None:
    """Without autoload, ``pytest_plugins = ["codepipeline_jobs.pytest_plugin"]`` in a conftest loads it."""
    write(tmp_path, "conftest.py", 'pytest_plugins = ["codepipeline_jobs.pytest_plugin"]\n')
    write(
        tmp_path,
        "test_named.py",
        """
        def test_named(fake_codepipeline, codepipeline_client):
            assert fake_codepipeline.calls == []
        """,
    )
    result = run_pytest(tmp_path, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_without_autoload_p_loads_the_plugin_by_name(tmp_path: Path) -> None:
    """Without autoload, ``-p codepipeline_jobs`` loads the plugin by name; without ``-p`` it is absent."""
    write(
        tmp_path,
        "test_loaded.py",
        """
        def test_loaded(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("codepipeline_jobs")
        """,
    )
    no_autoload = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    loaded = run_pytest(tmp_path, "-p", "codepipeline_jobs", env=no_autoload)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert run_pytest(tmp_path, env=no_autoload).returncode == 1


def test_only_the_plugin_imports_pytest() -> None:
    """The package's modules never import pytest; the plugin imports neither boto3 nor the fake."""
    script = textwrap.dedent(
        """
        import sys
        import codepipeline_jobs, codepipeline_jobs.testing, codepipeline_jobs.worker
        import codepipeline_jobs.artifacts, codepipeline_jobs.aws_lambda, codepipeline_jobs.cli
        assert "pytest" not in sys.modules, "pytest imported by the package"
        for name in list(sys.modules):
            if name.startswith(("codepipeline_jobs", "boto", "attr", "cattr")):
                del sys.modules[name]
        import codepipeline_jobs.pytest_plugin
        loaded = {"boto3", "botocore", "codepipeline_jobs.testing", "cattrs"} & set(sys.modules)
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


# --- in our own test run -----------------------------------------------------------------------


def test_the_plugin_serves_our_own_tests(
    fake_codepipeline: FakeCodePipeline, codepipeline_client: object, pytestconfig: pytest.Config
) -> None:
    """The installed plugin loads in this suite too, and its fixtures are the plugin's own."""
    assert pytestconfig.pluginmanager.get_plugin("codepipeline_jobs") is codepipeline_jobs.pytest_plugin
    job_id = fake_codepipeline.add_job(ACTION)
    assert fake_codepipeline.job(job_id).status == "Queued"
    fake_codepipeline.attach(codepipeline_client)  # its own client already: nothing changes
    for name, value in FAKE_AWS_ENV.items():
        assert os.environ[name] == value


def test_no_fixture_of_ours_shadows_the_plugins() -> None:
    """No conftest or test module of this suite defines a fixture named like one of the plugin's."""
    clashes = [
        f"{path.name}: {name}"
        for path in TESTS.glob("*.py")
        for name in PLUGIN_FIXTURES
        if re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert not clashes
    assert set(PLUGIN_FIXTURES) <= set(codepipeline_jobs.pytest_plugin.__all__)

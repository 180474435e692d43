"""``codepipeline-jobs action-type``: register (idempotent, --dry-run), list, delete --yes, policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import pytest

from codepipeline_jobs.cli import main
from codepipeline_jobs.testing import FakeCodePipeline

if TYPE_CHECKING:
    from pathlib import Path

ACTIONS_MODULE = textwrap.dedent('''
    from codepipeline_jobs import (
        ActionTypeSettings, ArtifactDetails, CustomAction, config_class, config_property,
    )

    @config_class
    class DeployConfig:
        target: str = config_property("Target", key=True, queryable=True)
        token: str = config_property("Token", secret=True)
        retries: int = config_property("Retries", default=3)

    DEPLOY = CustomAction(
        category="Deploy",
        provider="MyDeployer",
        version="1",
        configuration=DeployConfig,
        input_artifacts=ArtifactDetails(minimum_count=1, maximum_count=1),
        settings=ActionTypeSettings(entity_url_template="https://deploy.example/{Config:Target}"),
    )
    CHANGED = CustomAction(
        category="Deploy", provider="MyDeployer", version="1", configuration=DeployConfig,
    )

    @config_class
    class BrokenConfig:
        a: str = config_property("A", queryable=True, secret=True)

    BROKEN = CustomAction(category="Build", provider="Broken", version="1", configuration=BrokenConfig)
    NOT_AN_ACTION = 42
''')


DEPLOY_SPEC = "my_actions:DEPLOY"


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module of declared actions, importable as `my_actions`."""
    (tmp_path / "my_actions.py").write_text(ACTIONS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    sys.modules.pop("my_actions", None)
    return "my_actions"


@pytest.fixture
def fake() -> FakeCodePipeline:
    """A fake CodePipeline."""
    return FakeCodePipeline(action_types_page_size=1)


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], fake: FakeCodePipeline
) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of the command run against the fake."""
    code = main(argv, client=fake.client())
    out, err = capsys.readouterr()
    return code, out, err


def test_register_dry_run_prints_the_request_and_sends_nothing(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run: the CreateCustomActionType request as JSON, with the derived properties; no request."""
    argv = ["action-type", "register", f"{actions}:DEPLOY", "--dry-run", "--tag", "team=x"]
    code, out, err = run(argv, capsys, fake)
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed["operation"] == "CreateCustomActionType"
    request: dict[str, Any] = printed["request"]
    assert request["category"] == "Deploy"
    assert [p["name"] for p in request["configurationProperties"]] == ["Target", "Token", "Retries"]
    assert request["configurationProperties"][1]["secret"] is True
    assert request["tags"] == [{"key": "team", "value": "x"}]
    assert fake.calls == []


def test_register_is_idempotent(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first register creates the type, the second only looks it up; both print it as JSON."""
    code, out, _ = run(["action-type", "register", f"{actions}:DEPLOY"], capsys, fake)
    assert code == 0
    assert json.loads(out)["id"] == {
        "category": "Deploy", "owner": "Custom", "provider": "MyDeployer", "version": "1"
    }
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType"]
    code, out, _ = run(["action-type", "register", f"{actions}:DEPLOY"], capsys, fake)
    assert code == 0
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType", "ListActionTypes"]


def test_register_a_changed_definition_is_a_conflict(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed definition under a registered version: exit 1, one line naming the members."""
    run(["action-type", "register", f"{actions}:DEPLOY"], capsys, fake)
    code, out, err = run(["action-type", "register", f"{actions}:CHANGED"], capsys, fake)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "inputArtifactDetails.minimumCount" in err
    assert "settings.entityUrlTemplate" in err
    assert "needs a new version" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["action-type", "register", "no_colon"], "MODULE:OBJECT: must be MODULE:OBJECT"),
        (["action-type", "register", "missing_module:X"], "MODULE:OBJECT: cannot import 'missing_mod"),
        (["action-type", "register", "my_actions:NOPE"], "MODULE:OBJECT: module 'my_actions' has no"),
        (["action-type", "register", "my_actions:NOT_AN_ACTION"], "is a int, not a CustomAction"),
        (["action-type", "register", "my_actions:BROKEN"], "configurationProperties[0].secret: a query"),
        (["action-type", "register", DEPLOY_SPEC, "--tag", "novalue"], "--tag: must be KEY=VALUE"),
        (["action-type", "register", DEPLOY_SPEC, "--tag", "=v"], "--tag: the key must be at least"),
        (["action-type", "register", DEPLOY_SPEC, "--tag", "k=" + "v" * 257], "--tag: the value must"),
        (["action-type", "delete", "Deploy", "My Deployer", "1", "--yes"], "PROVIDER: must match"),
        (["action-type", "delete", "Deplo", "MyDeployer", "1", "--yes"], "CATEGORY: must be one of"),
        (["action-type", "delete", "Deploy", "MyDeployer", "1"], "--yes: deleting an action type"),
        (["action-type", "list", "--owner", "Me"], "--owner: must be one of AWS, ThirdParty, Custom"),
        (["action-type", "list", "--region-filter", "eu"], "--region-filter: must be at least 4"),
        (["action-type", "policy", DEPLOY_SPEC, "--account-id", "12"], "--account-id: must be a 12-"),
        (["action-type", "policy", DEPLOY_SPEC, "--region", "not a region"], "--region: must be"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    actions: str,
    fake: FakeCodePipeline,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    """Each mistake: exit 2, one line on stderr naming the argument, nothing sent."""
    del actions
    code, out, err = run(argv, capsys, fake)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert message in err, err
    assert fake.calls == []


def test_list_prints_every_page(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """list reads all pages (one type per page here) and prints the types as JSON."""
    run(["action-type", "register", f"{actions}:DEPLOY"], capsys, fake)
    fake.register_action_type(attrs_evolve_version(fake, "2"))
    code, out, _ = run(["action-type", "list", "--owner", "Custom"], capsys, fake)
    assert code == 0
    assert [t["id"]["version"] for t in json.loads(out)] == ["1", "2"]
    assert fake.calls.count("ListActionTypes") == 1 + 2


def attrs_evolve_version(fake: FakeCodePipeline, version: str) -> Any:
    """The fake's first registered type under another version."""
    import attrs

    [first] = fake.action_types()
    return attrs.evolve(first, id=attrs.evolve(first.id, version=version))


def test_delete_with_yes_deletes(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """delete CATEGORY PROVIDER VERSION --yes deletes the type."""
    run(["action-type", "register", f"{actions}:DEPLOY"], capsys, fake)
    code, out, _ = run(["action-type", "delete", "deploy", "MyDeployer", "1", "--yes"], capsys, fake)
    assert code == 0
    assert out == "deleted custom action type Deploy/MyDeployer/1\n"
    assert fake.action_types() == []


def test_policy_prints_least_privilege_documents(
    actions: str, fake: FakeCodePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    """PollForJobs and CreateCustomActionType scoped to the action type's ARN; the rest on "*"."""
    argv = ["action-type", "policy", f"{actions}:DEPLOY", "--region", "eu-west-1"]
    code, out, _ = run([*argv, "--account-id", "111122223333"], capsys, fake)
    assert code == 0
    documents = json.loads(out)
    arn = "arn:aws:codepipeline:eu-west-1:111122223333:actiontype:Custom/Deploy/MyDeployer/1"
    assert documents["action_type"] == arn
    poll, work = documents["worker"]["Statement"]
    assert (poll["Action"], poll["Resource"]) == ("codepipeline:PollForJobs", arn)
    assert sorted(work["Action"]) == [
        "codepipeline:AcknowledgeJob", "codepipeline:GetJobDetails",
        "codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult",
    ]
    assert work["Resource"] == "*"
    lookup, create = documents["registrar"]["Statement"]
    assert (lookup["Action"], lookup["Resource"]) == ("codepipeline:ListActionTypes", "*")
    assert create["Resource"] == arn
    assert "codepipeline:CreateCustomActionType" in create["Action"]
    assert fake.calls == []
    code, out, _ = run(["action-type", "policy", f"{actions}:DEPLOY"], capsys, fake)
    anywhere = "arn:aws:codepipeline:*:*:actiontype:Custom/Deploy/MyDeployer/1"
    assert json.loads(out)["action_type"] == anywhere


def test_the_installed_command_runs(tmp_path: Path) -> None:
    """python -m codepipeline_jobs action-type register ... --dry-run, as a deploy step runs it."""
    (tmp_path / "my_actions.py").write_text(ACTIONS_MODULE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "codepipeline_jobs", "action-type", "register", DEPLOY_SPEC, "--dry-run"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["request"]["provider"] == "MyDeployer"
    bad = subprocess.run(
        [sys.executable, "-m", "codepipeline_jobs", "action-type", "register", "my_actions:BROKEN"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1

"""Without a working bubblewrap the code tool refuses to run, unless explicitly opted out."""
from __future__ import annotations

import pytest

from runtime.errors import SandboxUnavailable
from runtime.tools.code import CodeTool
from runtime.tools.sandbox import Sandbox
from tests.runtime.tools.conftest import make_ctx


def test_missing_bwrap_refuses_with_a_clear_error():
    sandbox = Sandbox(bwrap="")
    with pytest.raises(SandboxUnavailable) as err:
        sandbox.run("return 1")
    assert "bubblewrap" in err.value.message
    assert "allow_unsandboxed" in err.value.message


def test_bwrap_that_cannot_create_a_sandbox_refuses(tmp_path):
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(SandboxUnavailable) as err:
        Sandbox(bwrap=str(broken)).run("return 1")
    assert "No permissions to create new namespace" in err.value.message


def test_code_tool_refuses_too():
    with pytest.raises(SandboxUnavailable):
        CodeTool(Sandbox(bwrap="")).invoke({"code": "return 1"}, make_ctx())


def test_explicit_opt_out_runs_unsandboxed_for_local_development(monkeypatch):
    monkeypatch.setenv("PLATFORM_SECRET", "do-not-leak")
    run = Sandbox(bwrap="", allow_unsandboxed=True).run("import os\nreturn [input * 2, dict(os.environ)]", 21)
    assert run.sandboxed is False
    assert run.result[0] == 42
    assert "PLATFORM_SECRET" not in run.result[1]

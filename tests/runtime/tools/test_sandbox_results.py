"""What a snippet gives back: its return value, prints, and clear errors for broken code."""
from __future__ import annotations

import time

import pytest

from runtime.errors import Cancelled, CodeExecutionError, SandboxLimitExceeded, ToolInputInvalid, ToolTimeout
from runtime.store import CancelFlag
from runtime.tools.sandbox import Sandbox, SandboxLimits
from tests.runtime.tools.sandbox_helpers import needs_bwrap, sandbox_processes

pytestmark = needs_bwrap


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(SandboxLimits(wall_s=5.0, cpu_s=2.0))


def test_return_value_is_the_json_result_and_input_is_passed(sandbox):
    run = sandbox.run("total = sum(input['xs'])\nreturn {'total': total, 'ok': True, 'none': None}", {"xs": [1, 2]})
    assert run.result == {"total": 3, "ok": True, "none": None}
    assert run.sandboxed is True


def test_prints_are_returned_separately_from_the_result(sandbox):
    run = sandbox.run("print('{\"fake\": \"result\"}')\nprint('second')\nreturn [1]")
    assert run.result == [1]
    assert run.stdout == '{"fake": "result"}\nsecond\n'


def test_standard_library_is_available(sandbox):
    code = "import math, re, json, datetime, statistics\nreturn [math.isqrt(17), statistics.mean([1, 2, 3])]"
    assert sandbox.run(code).result == [4, 2]


def test_third_party_packages_of_the_platform_are_not_visible(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("import httpx\nreturn 1")
    assert "ModuleNotFoundError" in err.value.message


def test_code_without_return_gives_null(sandbox):
    assert sandbox.run("x = 1").result is None


def test_syntax_error_names_the_line(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("x = 1\nreturn (x +")
    assert err.value.details["kind"] == "syntax_error"
    assert "SyntaxError" in err.value.message


def test_exception_carries_only_the_user_code_traceback(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("def check(v):\n    raise ValueError(f'bad value {v}')\ncheck(input)", 7)
    assert err.value.message == "ValueError: bad value 7"
    trace = err.value.details["traceback"]
    assert 'File "<code>", line 2, in check' in trace
    assert "sandbox_runner" not in trace and "<string>" not in trace


def test_non_json_result_is_a_clear_error(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("return {1, 2}")
    assert err.value.details["kind"] == "non_json_result"


def test_result_over_the_cap_is_refused():
    small = Sandbox(SandboxLimits(result_bytes=1000))
    with pytest.raises(SandboxLimitExceeded) as err:
        small.run("return 'x' * 5000")
    assert err.value.details["limit"] == "result"


def test_exit_without_result_is_reported(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("import os\nos._exit(3)")
    assert err.value.details == {"kind": "exit", "status": 3}


def test_scratch_directory_is_writable_and_fresh_per_run(sandbox):
    assert sandbox.run("open('notes.txt', 'w').write('hi')\nreturn open('/tmp/notes.txt').read()").result == "hi"
    assert sandbox.run("import os\nreturn os.listdir('.')").result == []


def test_cancelled_run_stops_with_cancelled(sandbox):
    cancel = CancelFlag()
    cancel.cancel()
    with pytest.raises(Cancelled):
        sandbox.run("import time\ntime.sleep(30)", cancel=cancel)
    assert sandbox_processes() == []


def test_caller_deadline_shorter_than_the_wall_limit_wins(sandbox):
    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        sandbox.run("import time\ntime.sleep(30)", deadline=time.monotonic() + 0.5)
    assert time.monotonic() - started < 2.0
    assert sandbox_processes() == []


def test_result_is_encoded_with_json_semantics(sandbox):
    code = "return {2: (1, 2.5), 'ü\\n': None, None: 'x', False: 0.1, 'big': 2**70, 'nested': [[{}]]}"
    assert sandbox.run(code).result == {"2": [1, 2.5], "ü\n": None, "null": "x", "false": 0.1, "big": 2**70,
                                        "nested": [[{}]]}


def test_self_referencing_result_is_not_json(sandbox):
    with pytest.raises(CodeExecutionError) as err:
        sandbox.run("x = []\nx.append(x)\nreturn x")
    assert err.value.details["kind"] == "non_json_result"


def test_input_that_is_not_json_is_refused_before_running(sandbox):
    with pytest.raises(ToolInputInvalid):
        sandbox.run("return input", {1, 2})

"""The built-in `code` tool: its spec and output shape around the sandbox."""
from __future__ import annotations

import jsonschema
import pytest

from runtime.errors import CodeExecutionError
from runtime.tools.code import MAX_STDOUT_CHARS, CodeTool
from runtime.tools.sandbox import Sandbox, SandboxLimits
from tests.runtime.tools.conftest import make_ctx
from tests.runtime.tools.sandbox_helpers import needs_bwrap

pytestmark = needs_bwrap


@pytest.fixture(scope="module")
def tool() -> CodeTool:
    return CodeTool(Sandbox(SandboxLimits(wall_s=5.0)))


def test_output_has_result_and_stdout_matching_the_output_schema(tool):
    out = tool.invoke({"code": "print('hi')\nreturn {'n': input['n'] ** 2}", "input": {"n": 9}}, make_ctx())
    assert out == {"result": {"n": 81}, "stdout": "hi\n"}
    jsonschema.validate(out, tool.spec.output_schema)


def test_long_stdout_is_truncated_in_the_output(tool):
    out = tool.invoke({"code": f"print('y' * {MAX_STDOUT_CHARS + 10})\nreturn 0"}, make_ctx())
    assert len(out["stdout"]) == MAX_STDOUT_CHARS
    assert out["stdout_truncated"] is True


def test_secrets_of_the_context_never_reach_the_code(tool):
    ctx = make_ctx(secrets={"API_TOKEN": "sk-live-123"})
    out = tool.invoke({"code": "import os\nreturn dict(os.environ)"}, ctx)
    assert "sk-live-123" not in repr(out)


def test_user_error_is_a_tool_error_with_a_code(tool):
    with pytest.raises(CodeExecutionError) as err:
        tool.invoke({"code": "return 1/0"}, make_ctx())
    assert err.value.to_dict()["type"] == "code_error"


def test_spec_declares_schemas_and_a_wall_clock_timeout(tool):
    assert tool.spec.name == "code"
    assert tool.spec.input_schema["required"] == ["code"]
    assert tool.spec.timeout_s > tool.sandbox.limits.wall_s
    assert CodeTool().spec.timeout_s == pytest.approx(11.0)

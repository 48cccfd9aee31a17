"""The built-in `code` tool: run a Python snippet in the bubblewrap sandbox.

Input `{code, input?}`: `code` is the body of `def main(input):`, `input` any JSON value.
Output `{result, stdout}`: `result` is what the snippet returns (JSON), `stdout` what it
printed (capped). No secret and nothing of the platform's environment enters the sandbox.
"""
from __future__ import annotations

from typing import Any

from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec
from runtime.tools.sandbox import Sandbox, SandboxLimits

MAX_CODE_CHARS = 64 * 1024
MAX_STDOUT_CHARS = 64 * 1024

CODE_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": MAX_CODE_CHARS,
                 "description": "body of `def main(input):` — use `return` to give the JSON result"},
        "input": {"description": "any JSON value, passed as `input`"},
    },
    "required": ["code"],
    "additionalProperties": False,
}

CODE_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": {"description": "the JSON value the code returned"},
        "stdout": {"type": "string"},
        "stdout_truncated": {"type": "boolean"},
    },
    "required": ["result", "stdout"],
}


class CodeTool:
    """The built-in `code` tool. One `Sandbox` per tool (its availability probe is cached)."""

    def __init__(self, sandbox: Sandbox | None = None, *, limits: SandboxLimits | None = None,
                 allow_unsandboxed: bool = False) -> None:
        """`allow_unsandboxed`: LOCAL DEVELOPMENT ONLY — run without isolation when bwrap is missing."""
        self.sandbox = sandbox or Sandbox(limits, allow_unsandboxed=allow_unsandboxed)
        self.spec = ToolSpec(
            name="code",
            description=("Run a Python snippet in an isolated sandbox (no network, no files, standard library "
                         "only). `code` is the body of a function `main(input)`; `return` a JSON value."),
            input_schema=CODE_INPUT_SCHEMA,
            output_schema=CODE_OUTPUT_SCHEMA,
            timeout_s=self.sandbox.limits.wall_s + 1.0,  # the sandbox's own wall limit fires first
            retry=RetryPolicy(max_attempts=1),
            side_effect="read_only",
        )

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        run = self.sandbox.run(input["code"], input.get("input"), deadline=ctx.deadline, cancel=ctx.cancel)
        output: dict[str, Any] = {"result": run.result, "stdout": run.stdout[:MAX_STDOUT_CHARS]}
        if len(run.stdout) > MAX_STDOUT_CHARS:
            output["stdout_truncated"] = True
        return output

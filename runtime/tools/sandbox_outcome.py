"""Turning what a sandboxed run left behind into its result or a clear, typed tool error."""
from __future__ import annotations

import json
import signal
from typing import TYPE_CHECKING, Any

from runtime.errors import Cancelled, CodeExecutionError, SandboxLimitExceeded, ToolError, ToolTimeout
from runtime.tools.sandbox_io import ProcessOutput

if TYPE_CHECKING:
    from runtime.tools.sandbox import SandboxLimits

_MIB = 1024 * 1024


def outcome_from_output(output: ProcessOutput, limits: SandboxLimits) -> Any:
    """The snippet's return value, or raise the error that explains why there is none."""
    if output.cancelled:
        raise Cancelled("the code run was cancelled")
    if output.output_exceeded:
        raise SandboxLimitExceeded(f"the code printed more than {limits.output_bytes} bytes and was stopped",
                                   limit="output", max_bytes=limits.output_bytes)
    if output.result_exceeded:
        raise SandboxLimitExceeded(f"the returned value is larger than {limits.result_bytes} bytes",
                                   limit="result", max_bytes=limits.result_bytes)
    if output.result:
        return _from_report(output, limits)
    if output.timed_out:
        raise ToolTimeout(f"the code ran longer than the {limits.wall_s:g} s wall-time limit and was stopped",
                          limit="wall_time", seconds=limits.wall_s)
    raise _error_without_report(output, limits)


def _from_report(output: ProcessOutput, limits: SandboxLimits) -> Any:
    try:
        report = json.loads(output.result)
    except ValueError as exc:
        raise CodeExecutionError("the sandbox returned a malformed report", kind="internal") from exc
    if report.get("ok"):
        return report.get("result")
    kind = report.get("kind", "exception")
    if kind == "memory":
        raise SandboxLimitExceeded(
            f"the code ran out of memory (limit {limits.memory_bytes // _MIB} MiB): {report.get('message', '')}",
            limit="memory", max_bytes=limits.memory_bytes, traceback=report.get("traceback", ""))
    details: dict[str, Any] = {"kind": kind}
    if report.get("traceback"):
        details["traceback"] = report["traceback"]
    if report.get("line"):
        details["line"] = report["line"]
    if output.stdout:
        details["stdout"] = output.stdout_text()[-4000:]
    raise CodeExecutionError(report.get("message") or kind, **details)


def _error_without_report(output: ProcessOutput, limits: SandboxLimits) -> ToolError:
    """The process ended without writing its report: a signal or an abrupt exit."""
    sig = _signal_of(output.returncode)
    if sig in (signal.SIGXCPU, signal.SIGKILL) and not output.timed_out:
        return SandboxLimitExceeded(
            f"the code used more than its {limits.cpu_s:g} s of CPU time and was stopped",
            limit="cpu_time", seconds=limits.cpu_s)
    if sig == signal.SIGXFSZ:
        return SandboxLimitExceeded(f"the code wrote a file larger than {limits.file_bytes} bytes",
                                    limit="file_size", max_bytes=limits.file_bytes)
    last = (output.stderr_text().strip().splitlines() or [""])[-1][:500]
    if last.startswith("MemoryError"):  # so short of memory that even the report failed
        return SandboxLimitExceeded(f"the code ran out of memory (limit {limits.memory_bytes // _MIB} MiB)",
                                    limit="memory", max_bytes=limits.memory_bytes)
    if sig is not None:
        return CodeExecutionError(f"the code crashed ({signal.Signals(sig).name}){': ' + last if last else ''}",
                                  kind="crash", signal=signal.Signals(sig).name)
    return CodeExecutionError(
        f"the code exited (status {output.returncode}) without returning a result{': ' + last if last else ''}",
        kind="exit", status=output.returncode)


def _signal_of(returncode: int | None) -> int | None:
    """bwrap reports a child killed by signal N as 128+N; a direct child reads as -N."""
    if returncode is None:
        return None
    number = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else None
    if number is None:
        return None
    try:
        return signal.Signals(number)
    except ValueError:
        return None

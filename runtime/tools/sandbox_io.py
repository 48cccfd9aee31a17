"""Feeding, draining and stopping a sandboxed process under a deadline and output caps.

One thread multiplexes stdin (written without blocking), stdout, stderr, the result pipe and
bwrap's info pipe. The moment a cap is exceeded, the deadline passes or the call is cancelled,
the sandbox is killed; the caller then maps the `ProcessOutput` flags to a tool error.

Killing waits until every process of the sandbox is gone: it SIGKILLs the sandbox's pid-1
(learned from `bwrap --info-fd`), whose exit the kernel holds until the whole pid namespace is
emptied; bwrap's monitor then exits and is reaped here.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field

from runtime.store import CancelToken

_READ = 64 * 1024
_POLL_S = 0.05  # how often cancellation is checked while the process is quiet
_KILL_WAIT_S = 5.0


@dataclass
class ProcessOutput:
    stdout: bytes = b""
    stderr: bytes = b""
    result: bytes = b""
    returncode: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    output_exceeded: bool = False
    result_exceeded: bool = False

    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


@dataclass
class SandboxProcess:
    """A started sandbox: the bwrap (or plain python) process and the read ends of its pipes."""

    proc: subprocess.Popen[bytes]
    result_fd: int
    info_fd: int | None = None
    info: bytearray = field(default_factory=bytearray)

    def kill(self) -> None:
        """SIGKILL everything in the sandbox; return once it is all gone and reaped."""
        if self.proc.poll() is None:
            init_pid = self._sandbox_init_pid()
            try:
                os.kill(init_pid, signal.SIGKILL) if init_pid else os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=_KILL_WAIT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()

    def _sandbox_init_pid(self) -> int | None:
        """Host pid of the sandbox's pid 1, if bwrap reported it and it is still bwrap's child."""
        if self.info_fd is None:
            return None
        with contextlib.suppress(BlockingIOError, OSError):
            self.info += os.read(self.info_fd, _READ)
        try:
            pid = int(json.loads(bytes(self.info) or b"{}").get("child-pid", 0))
            with open(f"/proc/{pid}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            return None
        return pid if pid and parent == self.proc.pid else None


def collect_output(box: SandboxProcess, stdin: bytes, end: float, cancel: CancelToken, output_cap: int,
                   result_cap: int) -> ProcessOutput:
    """Write `stdin`, read stdout/stderr (together at most `output_cap` bytes) and the result
    pipe (at most `result_cap`) until all close, then reap the process. Kills on any breach."""
    proc = box.proc
    assert proc.stdin and proc.stdout and proc.stderr
    out = ProcessOutput()
    stdout_fd, stderr_fd, stdin_fd = proc.stdout.fileno(), proc.stderr.fileno(), proc.stdin.fileno()
    buffers = {stdout_fd: bytearray(), stderr_fd: bytearray(), box.result_fd: bytearray()}
    if box.info_fd is not None:
        buffers[box.info_fd] = box.info
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        pending = memoryview(stdin)
        os.set_blocking(stdin_fd, False)
        selector.register(stdin_fd, selectors.EVENT_WRITE)
        while selector.get_map() and not _stop_reason(out, end, cancel):
            for key, _events in selector.select(timeout=min(_POLL_S, max(end - time.monotonic(), 0))):
                if key.fd == stdin_fd:
                    pending = _write_some(selector, proc, pending)
                elif _read_some(selector, key.fd, buffers[key.fd]) and \
                        _over_caps(out, buffers, (stdout_fd, stderr_fd), box.result_fd, output_cap, result_cap):
                    break
            if out.output_exceeded or out.result_exceeded:
                break
    if out.timed_out or out.cancelled or out.output_exceeded or out.result_exceeded:
        box.kill()
    out.returncode = _reap(box, end)
    out.timed_out = out.timed_out or out.returncode is None
    out.stdout, out.stderr, out.result = bytes(buffers[stdout_fd]), bytes(buffers[stderr_fd]), \
        bytes(buffers[box.result_fd])
    return out


def _stop_reason(out: ProcessOutput, end: float, cancel: CancelToken) -> bool:
    if cancel.is_cancelled():
        out.cancelled = True
    elif time.monotonic() >= end:
        out.timed_out = True
    return out.cancelled or out.timed_out


def _write_some(selector: selectors.BaseSelector, proc: subprocess.Popen[bytes], pending: memoryview) -> memoryview:
    assert proc.stdin
    try:
        written = os.write(proc.stdin.fileno(), pending[:_READ])
    except BlockingIOError:
        written = 0
    except BrokenPipeError:
        written = len(pending)  # the process is gone or closed stdin: nothing more to send
    pending = pending[written:]
    if not pending:
        selector.unregister(proc.stdin.fileno())
        proc.stdin.close()
    return pending


def _read_some(selector: selectors.BaseSelector, fd: int, buffer: bytearray) -> bool:
    try:
        chunk = os.read(fd, _READ)
    except BlockingIOError:
        return False
    if not chunk:
        selector.unregister(fd)
        return False
    buffer += chunk
    return True


def _over_caps(out: ProcessOutput, buffers: dict[int, bytearray], printing: tuple[int, int], result_fd: int,
               output_cap: int, result_cap: int) -> bool:
    out.output_exceeded = sum(len(buffers[fd]) for fd in printing) > output_cap
    out.result_exceeded = len(buffers[result_fd]) > result_cap
    return out.output_exceeded or out.result_exceeded


def _reap(box: SandboxProcess, end: float) -> int | None:
    """Wait for the exit (woken by a pidfd, not by polling); kill at the deadline."""
    if box.proc.poll() is not None:
        return box.proc.returncode
    try:
        pidfd = os.pidfd_open(box.proc.pid)
    except (AttributeError, OSError):  # no pidfd (old kernel): subprocess's own polling wait
        try:
            return box.proc.wait(timeout=max(end - time.monotonic(), 0.5))
        except subprocess.TimeoutExpired:
            box.kill()
            return None
    try:
        exited, _, _ = select.select([pidfd], [], [], max(end - time.monotonic(), 0.5))
    finally:
        os.close(pidfd)
    if exited:
        return box.proc.wait()
    box.kill()
    return None

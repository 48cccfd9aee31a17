"""Log records made on the MCP loop thread (the SDK's own logging, its spawned tasks) are
redacted by the redactor of the code that submitted the call — the run's project — not only by
the credential patterns of the loop thread's empty context: `run_coroutine_threadsafe` schedules
the task in a copy of the submitting thread's context, and tasks the SDK spawns copy the task's."""
from __future__ import annotations

import asyncio
import logging
import secrets

from runtime.redaction import Redactor, redacting_with
from runtime.tools.mcp_session import _LoopThread


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_log_record_on_the_mcp_loop_uses_the_submitting_projects_redactor():
    value = f"mcp-secret-{secrets.token_hex(8)}"
    logger = logging.getLogger("mcp.client.test")
    handler = Captured()
    logger.addHandler(handler)

    async def call() -> None:
        logger.warning("server answered with %s", value)

        async def spawned() -> None:  # a task the SDK spawns copies the calling task's context
            logger.warning("spawned task saw %s", value)

        await asyncio.get_running_loop().create_task(spawned())

    try:
        with redacting_with(Redactor([value])):
            _LoopThread.get().submit(call()).result(timeout=10)
        _LoopThread.get().submit(call()).result(timeout=10)  # no project: its value is not a secret
    finally:
        logger.removeHandler(handler)
    assert handler.messages[:2] == ["server answered with [REDACTED]", "spawned task saw [REDACTED]"]
    assert handler.messages[2:] == [f"server answered with {value}", f"spawned task saw {value}"]

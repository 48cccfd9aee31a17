"""Executing one run on a worker: claim its lease, run the engine for its kind with the
Django-backed store, and end it with exactly one terminal event.

Errors end the run with their typed code; a pause (`WaitingForInput`) leaves it `waiting`;
losing the lease (another worker took over after we stalled) stops us without writing.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping

from django.utils import timezone

from accounts.redaction_policy import redactor_for
from accounts.secret_vault import ProjectSecrets
from limits.settlement import settle_run
from runs import dependencies, leases, webhooks
from runs.engines import engine_for
from runs.event_log import LeaseLost
from runs.models import CANCELLED, FAILED, SUCCEEDED, TIMED_OUT, WAITING, Run
from runs.store import RunStore
from runtime import errors
from runtime.redaction import redacting_with

logger = logging.getLogger(__name__)


def _deadline(run: Run) -> float:
    """The run's wall-clock budget counts from its start, or from the last answer to a pause
    (time spent waiting for a person is not execution time)."""
    if run.started_at is None:
        started = timezone.now()
    else:
        started = max(run.started_at, run.resumed_at or run.started_at)
    remaining = run.timeout_s - (timezone.now() - started).total_seconds()
    return time.monotonic() + max(0.0, remaining)


_RUN_QUERY: tuple | None = None


def _load_run(run_id: str) -> tuple[Run, ProjectSecrets]:
    """`Run.objects.select_related("project", "agent_version", "workflow_version").get(pk=run_id)` as
    one raw statement (the ORM's query building and four model constructions were ~2 ms a run),
    with its project's secrets (`reveal_secrets`: names, ciphertexts and scopes) in the same row."""
    global _RUN_QUERY

    from accounts.models import Project
    from accounts.redaction_policy import decode_sealed, sealed_secrets_sql
    from agent_platform import rows
    from agents.models import AgentVersion
    from workflows.models import WorkflowVersion

    if _RUN_QUERY is None:
        parts = [(Run, "r"), (Project, "p"), (AgentVersion, "av"), (WorkflowVersion, "wv")]
        secrets = sealed_secrets_sql('r."project_id"', scopes=True)
        _RUN_QUERY = (parts, f'SELECT {rows.columns(parts)}, {secrets} '
                             f'FROM "{Run._meta.db_table}" r '
                             f'JOIN "{Project._meta.db_table}" p ON p."id" = r."project_id" '
                             f'LEFT JOIN "{AgentVersion._meta.db_table}" av ON av."id" = r."agent_version_id" '
                             f'LEFT JOIN "{WorkflowVersion._meta.db_table}" wv ON wv."id" = r."workflow_version_id" '
                             'WHERE r."id" = %s')
    found = rows.fetch_one_with_extra(*_RUN_QUERY, [run_id])
    if found is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    (run, project, agent_version, workflow_version), (sealed,) = found
    rows.attach(run, project=project, agent_version=agent_version, workflow_version=workflow_version)
    return run, ProjectSecrets(project, decode_sealed(sealed))


def execute_run(run_id: str, *, worker_name: str = "worker", hold: str = "") -> str | None:
    """Execute (or resume) a run; returns its final status, or None if it was not ours to run.
    `hold`: the lease owner the caller created the run held by (the eval runner), taken over by
    the claim itself (no separate release)."""
    owner = f"{worker_name}/{uuid.uuid4().hex[:8]}"
    claimed = leases.claim(run_id, owner, worker_name, hold=hold)
    if not claimed:
        return None
    try:
        # `secrets`: a lazy mapping, each secret is decrypted only when a tool or provider of this run reads it.
        run, secrets = _load_run(run_id)
        # The project's one redactor (cached per project; keyed on the ciphertexts just loaded).
        redactor = redactor_for(run.project, secrets.sealed_items())
        store = RunStore(run_id, owner=owner, redactor=redactor, fresh=claimed.fresh)
    except Exception as exc:  # cannot start: hand it back (counted as a failed attempt unless a dependency dropped)
        transient = dependencies.is_transient(exc)
        leases.hand_back(run_id, owner, reason="dependency_unavailable" if transient else "error", error=exc)
        if transient:
            raise dependencies.DependencyLost(exc) from exc
        raise
    control = leases.RunControl(run_id=run_id, owner=owner, deadline=_deadline(run))
    leases.heartbeat.watch(control)
    try:
        with redacting_with(redactor):  # log records made by this run use its project's redactor
            return _run_engine(run, store, control, secrets)
    except LeaseLost:
        logger.warning("run %s: lease lost to another worker; stopping", run_id)
        return None
    except Exception as exc:
        if not dependencies.is_transient(exc):
            raise
        leases.hand_back(run_id, owner, reason="dependency_unavailable", error=exc)  # resumed from its checkpoint
        raise dependencies.DependencyLost(exc) from exc
    finally:
        leases.heartbeat.unwatch(run_id)


def _run_engine(run: Run, store: RunStore, control: leases.RunControl, secrets: Mapping[str, str]) -> str | None:
    try:
        output, usage = engine_for(run.kind).execute(run, store=store, control=control, secrets=secrets)
    except errors.WaitingForInput as pause:
        waiting_for = {"reason": pause.reason, "prompt": pause.prompt}
        if store.transition(WAITING, "run.waiting", waiting_for, waiting_for=waiting_for, usage=store.usage()):
            webhooks.notify(run, "run.waiting", subscribed=store.subscribed)
        return WAITING
    except (errors.Cancelled, errors.RunTimedOut) as stop:
        return _stopped(run, store, control, stop)
    except errors.PlatformError as failure:
        if dependencies.is_transient(failure):
            raise dependencies.DependencyLost(failure) from failure
        if control.reason in ("cancelled", "timed_out", "worker_stopping"):
            return _stopped(run, store, control, failure)
        return _finish(run, store, FAILED, error=failure.to_dict())
    except LeaseLost:
        raise
    except Exception as exc:
        if dependencies.is_transient(exc):
            raise dependencies.DependencyLost(exc) from exc
        logger.exception("run %s failed with an internal error", run.pk)
        return _finish(run, store, FAILED, error={"type": "internal_error", "message": f"{type(exc).__name__}: {exc}"})
    return _finish(run, store, SUCCEEDED, output=output, **({"usage": usage} if usage else {}))


def _stopped(run: Run, store: RunStore, control: leases.RunControl, cause: Exception) -> str | None:
    if control.reason == "lease_lost":
        raise LeaseLost(run.pk)
    if control.reason == "worker_stopping":  # a draining worker: the next attempt resumes from the checkpoint
        leases.hand_back(run.pk, control.owner, reason="worker_stopping")
        return None
    if control.reason == "cancelled" or isinstance(cause, errors.Cancelled) and control.reason != "timed_out":
        return _finish(run, store, CANCELLED, error={"type": "cancelled", "message": "cancelled by request"})
    return _finish(run, store, TIMED_OUT, error={"type": "timed_out",
                                                  "message": f"run exceeded its {run.timeout_s:g} s timeout"})


def _finish(run: Run, store: RunStore, status: str, **fields) -> str | None:
    from runs.lifecycle import terminal_event_type

    fields.setdefault("usage", store.usage())
    data = {key: fields[key] for key in ("output", "error", "usage") if key in fields}
    if not store.transition(status, terminal_event_type(status), data, **fields):
        return None
    settle_run(run.pk, fields["usage"])  # limits: free the slot, settle the reservation (exactly once)
    webhooks.notify(run, terminal_event_type(status), subscribed=store.subscribed)
    return status

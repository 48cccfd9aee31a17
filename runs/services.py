"""Writes for runs: create (validate, store, enqueue), cancel, resume. Transactions live here.

Refusals are typed `agent_platform.service_errors` (mapped to problem+json by the API layer)."""
from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from agent_platform.service_errors import InputRejected, InvalidField, StateConflict
from agents import selectors as agent_selectors
from agents.spec import input_schema as agent_input_schema
from limits import admission as limits_admission
from limits.settlement import settle_finished_run
from runs import event_log, lifecycle, pubsub, queue
from runs.event_log import PendingEvent
from runs.models import CANCELLED, QUEUED, WAITING, Run
from runs.resumption import record_answer
from runtime.jsonschema_validation import field_errors
from workflows import selectors as workflow_selectors


def _validate_input(schema: dict, data) -> None:
    errors = field_errors(schema, data, prefix="input")
    if errors:
        raise InputRejected("The run input does not match the input schema.", errors=errors, code="invalid_input")


def append_event(run_id: str, type: str, data: dict) -> None:
    """Append one event from the API side (the run is not being executed): inside the current
    transaction; published after commit."""
    event = PendingEvent(type=type, ts=timezone.now(), data=data, step=-1)  # outside engine intervals
    with connection.cursor() as cursor:
        base = event_log.append(cursor, run_id, [event])
    transaction.on_commit(lambda: pubsub.publish(run_id, [event_log.event_dict(run_id, base + 1, event)]))


def _transition(run_id: str, to: str, event_type: str, data: dict, **fields) -> bool:
    """A status change and its lifecycle event in one statement (lifecycle.transition), inside the
    current transaction; the event is published after commit."""
    event = PendingEvent(type=event_type, ts=timezone.now(), data=data, step=-1)
    with connection.cursor() as cursor:
        seq = lifecycle.transition(cursor, run_id, to, event=event, **fields)
    if seq:
        transaction.on_commit(lambda: pubsub.publish(run_id, [event_log.event_dict(run_id, seq, event)]))
    return bool(seq)


_INSERT_QUEUED: str | None = None


def _insert_queued(run: Run, queued: dict) -> Run:
    """Store a new run with its `run.queued` event (seq 1) in one statement (what `save()` and
    `append_event` did in two, with the ORM's insert building), inside the current transaction;
    the event is published after commit. The values are the ones `save()` would write (each
    field's `pre_save` and `get_db_prep_save`)."""
    global _INSERT_QUEUED
    from psycopg.types.json import Jsonb

    fields = Run._meta.concrete_fields
    if _INSERT_QUEUED is None:
        _INSERT_QUEUED = (f'WITH r AS (INSERT INTO "{Run._meta.db_table}" ({", ".join(f.column for f in fields)}) '
                          f'VALUES ({", ".join(["%s"] * len(fields))}) RETURNING "id") '
                          f'{event_log.INSERT_EVENT} '
                          "SELECT r.id, 1, 'run.queued', %s, '', '', %s, -1, 0 FROM r")
    run.last_seq = 1
    event = PendingEvent(type="run.queued", ts=timezone.now(), data=queued, step=-1)
    values = [f.get_db_prep_save(f.pre_save(run, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_QUEUED, [*values, event.ts, Jsonb(event.data)])
    run._state.adding, run._state.db = False, connection.alias
    transaction.on_commit(lambda: pubsub.publish(run.id, [event_log.event_dict(run.id, 1, event)]))
    return run


_AGENT_QUERY: tuple | None = None


def _agent_and_latest(project, ref: str):
    """(agent, its latest version, the project's sealed secrets) for an agent id or name of the
    project, in one raw statement (what `get_agent_for_run` + `resolve_version` read with two ORM
    queries, ~2.5 ms per create, and `redactor_for` with a third); the secrets are the `(name,
    ciphertext)` rows `redaction_policy.sealed_secrets` reads. None if there is no such agent or it
    has no version (the selectors then answer the field error)."""
    global _AGENT_QUERY
    from accounts.redaction_policy import decode_sealed, sealed_secrets_sql
    from agent_platform import rows
    from agents.models import Agent, AgentVersion

    if _AGENT_QUERY is None:
        parts = [(Agent, "a"), (AgentVersion, "v")]
        secrets = sealed_secrets_sql('a."project_id"')
        _AGENT_QUERY = (parts, f'SELECT {rows.columns(parts)}, {secrets} FROM "{Agent._meta.db_table}" a '
                               f'JOIN LATERAL (SELECT * FROM "{AgentVersion._meta.db_table}" lv '
                               'WHERE lv."agent_id" = a."id" ORDER BY lv."number" DESC LIMIT 1) v ON true '
                               'WHERE a."project_id" = %s AND (a."id" = %s OR a."name" = %s) '
                               'ORDER BY a."id" = %s DESC LIMIT 1')
    found = rows.fetch_one_with_extra(*_AGENT_QUERY, [project.pk, ref, ref, ref])
    if found is None:
        return None
    (definition, pinned), (sealed,) = found
    rows.attach(pinned, agent=definition)
    return definition, pinned, decode_sealed(sealed)


def create_run(*, project, agent: str | None = None, workflow: str | None = None, version: int | None = None,
               environment: str | None = None, input=None, metadata=None, webhook_url: str = "",
               parent_run: Run | None = None, via_environment: str | None = None, api_key=None,
               pinned=None, held_by: tuple | None = None, enqueue: bool = True) -> Run:
    """Pin the exact version, validate the input, store the run, enqueue one job after commit.

    The run's `environment` is the one its version was resolved through (None when it named a
    version); a retry or fork pins its parent's version and carries its environment as
    `via_environment`.

    For a caller that executes the run itself (the eval runner): `pinned`, the (definition,
    version) it already resolved (no lookup); `held_by`, (lease owner, lease expiry) stored with
    the run, so no worker claims it before that lease is released or expires; `enqueue=False`,
    no job (if the caller dies, its lease expires and the recovery sweep enqueues the run)."""
    if bool(agent) == bool(workflow):
        raise InvalidField("agent", "give exactly one of 'agent' or 'workflow'")
    if version is not None and environment is not None:
        raise InvalidField("version", "give either 'version' or 'environment', not both")
    input = {} if input is None else input
    fields = {"project": project, "input": input, "metadata": metadata or {}, "webhook_url": webhook_url or "",
              "parent_run": parent_run}
    sealed = None  # the project's secrets for its redactor, when the agent lookup read them
    if agent:
        found = None if pinned or version is not None or environment is not None else _agent_and_latest(project, agent)
        if pinned is not None:
            (definition, pinned), env = pinned, None
        elif found is not None:
            (definition, pinned, sealed), env = found, None
        else:  # a version or environment named, or nothing found: the selectors (and their field errors)
            definition = agent_selectors.get_agent_for_run(project, agent)
            pinned, env = agent_selectors.resolve_version(definition, version=version, environment=environment)
        _validate_input(agent_input_schema(pinned.body), input)
        fields.update(kind="agent", agent=definition, agent_version=pinned, environment=env or via_environment or "",
                      timeout_s=float(pinned.body.get("limits", {}).get("timeout_s", 300)))
    else:
        if pinned is not None:
            (definition, pinned), env = pinned, None
        else:
            definition = workflow_selectors.get_workflow_for_run(project, workflow)
            pinned, env = workflow_selectors.resolve_version(definition, version=version, environment=environment)
        _validate_input(workflow_selectors.input_schema(pinned), input)
        fields.update(kind="workflow", workflow=definition, workflow_version=pinned, environment=env or via_environment or "",
                      timeout_s=float(pinned.body.get("limits", {}).get("timeout_s", 3600)))
    from accounts.redaction_policy import redactor_for

    redactor = redactor_for(project, sealed)  # the run is stored (and executed) as its project's policy redacts it
    fields.update(input=redactor.data(input, ("input",)), metadata=redactor.data(fields["metadata"], ("metadata",)))
    # Budgets and rate limits (limits/): a slot and a usage estimate reserved, or a 429 refusal.
    run_id, admitted = limits_admission.admit_new_run(project=project, api_key=api_key, kind=fields["kind"],
                                                      body=pinned.body, input=input, timeout_s=fields["timeout_s"])
    with limits_admission.released_if_failed(run_id, admitted), transaction.atomic():
        if held_by is not None:
            fields.update(lease_owner=held_by[0], lease_expires_at=held_by[1])
        run = _insert_queued(Run(id=run_id, **fields), {"kind": fields["kind"], "version": pinned.number,
                                                         "environment": fields["environment"] or None})
        if enqueue:
            transaction.on_commit(lambda: queue.enqueue_run(run.id))
    return run


def cancel_run(*, run: Run) -> Run:
    """Cancel now if nobody executes it (queued/waiting); else flag it: the worker's heartbeat
    reads the flag within a second and stops the run (also inside a long model call)."""
    if run.is_terminal:
        raise StateConflict(f"run is already {run.status}", field="status")
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(cancel_requested=True)
        status = Run.objects.filter(pk=run.pk).values_list("status", flat=True).get()
        if status in (QUEUED, WAITING):
            _transition(run.pk, CANCELLED, "run.cancelled", {"reason": "cancelled by request"},
                        error={"type": "cancelled", "message": "cancelled by request"})
            transaction.on_commit(lambda: settle_finished_run(run.pk))  # limits: free its slot
    run.refresh_from_db()
    return run


def resume_run(*, run: Run, answer: dict) -> Run:
    """Answer a waiting run (human input or tool approval) and put it back on the queue."""
    if run.status != WAITING:
        raise StateConflict(f"run is {run.status}, not waiting", field="status")

    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        if locked.status != WAITING:
            raise StateConflict(f"run is {locked.status}, not waiting", field="status")
        from accounts.redaction_policy import redactor_for

        answer = redactor_for(run.project).data(answer, ("answer",))  # stored in a checkpoint and an event
        record_answer(locked, answer)  # validates; raises a field error, run stays waiting
        _transition(run.pk, QUEUED, "run.resumed", {"answer": answer}, waiting_for=None, lease_owner="",
                    lease_expires_at=None, resumed_at=timezone.now())  # paused: nobody holds it
        transaction.on_commit(lambda: queue.enqueue_run(run.pk))
    run.refresh_from_db()
    return run



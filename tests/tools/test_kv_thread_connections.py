"""The kv store gives back the database connection a tool thread opened for it (Django opens one
per thread; an API process's pooled connection never given back is lost to the pool), and leaves
alone one its caller already held."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from tools.kv_store import PostgresKVStore

pytestmark = pytest.mark.django_db(transaction=True)


def _on_a_fresh_thread(work) -> dict:
    seen: dict = {}

    def target() -> None:
        try:
            seen["result"] = work()
            seen["open_after"] = connection.connection is not None
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            seen["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if "error" in seen:
        raise seen["error"]
    return seen


@pytest.mark.parametrize("op", ["set", "get", "delete", "list"])
def test_each_kv_operation_on_a_tool_thread_returns_its_connection(project, op):
    store = PostgresKVStore()
    namespace = str(project.pk)
    store.set(namespace, "k", {"v": 1})
    calls = {"set": lambda: store.set(namespace, "k", 2), "get": lambda: store.get(namespace, "k"),
             "delete": lambda: store.delete(namespace, "k"), "list": lambda: store.list(namespace)}
    seen = _on_a_fresh_thread(calls[op])
    assert seen["open_after"] is False


def test_a_connection_the_caller_already_held_stays_open(project):
    store = PostgresKVStore()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    store.set(str(project.pk), "k", 1)
    assert connection.connection is not None
    assert store.get(str(project.pk), "k").value == 1

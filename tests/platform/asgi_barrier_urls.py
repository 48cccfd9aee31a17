"""A URLconf for tests/platform/test_asgi_threads.py: a view that waits for a second request."""
from __future__ import annotations

import threading

from django.db import connection
from django.http import JsonResponse
from django.urls import path

barrier = threading.Barrier(2, timeout=10)


def meet(request):
    with connection.cursor() as cursor:  # holds a database connection while it waits
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    barrier.wait()  # BrokenBarrierError (500) unless another request reaches it meanwhile
    return JsonResponse({"thread": threading.get_ident(), "backend": backend})


urlpatterns = [path("meet", meet)]

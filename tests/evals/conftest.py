"""Eval tests use the end-to-end stack (a real Daphne server and platform worker) for execution."""
from tests.admin.conftest import member_client, outsider_client, superuser_client  # noqa: F401, E402  (fixtures)
from tests.e2e.conftest import e2e_project, http, stack  # noqa: F401  (fixtures)
